// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the methods: org.varlink.service (GetInfo, GetInterfaceDescription) and
// io.capset.Files (Verify, Apply; io.capset.Files.varlink). Each call first authorizes the
// caller from the capsetd: section of the policy as it is now (policy_cache.h: read again
// only when the tree changed, so a caller allowed nothing costs a few system calls), then
// acts on that same policy, and journals every change it makes.
// Thread-safety: one object, used from the event loop's thread.
#pragma once

#include <string>

#include "capset/ipc/varlink.h"
#include "peer.h"
#include "policy_cache.h"
#include "record_cache.h"

namespace capset::capsetd {

/// The IDL texts, compiled in from capsetd/*.varlink.
extern const char kFilesInterface[];
extern const char kServiceInterface[];

struct ServiceOptions {
  std::string root = "/";  ///< the system whose policy and files the daemon serves
};

class FilesService {
 public:
  explicit FilesService(ServiceOptions options);

  /// The reply to `call` (serialized, NUL-terminated); "" for a oneway call.
  std::string Handle(const varlink::Call& call, const Peer& peer);

  /// Whether the policy lets `peer` ask for any action (root always): the server keeps
  /// capacity for such callers.
  bool MayAskAnything(const Peer& peer);

  size_t calls() const { return calls_; }
  size_t policy_loads() const { return cache_.reads(); }

 private:
  struct Outcome {
    std::string error;  ///< "" = success
    nlohmann::json parameters = nlohmann::json::object();
    std::string parameters_text;  ///< a success's parameters as JSON text, instead

    Outcome(std::string e, nlohmann::json p) : error(std::move(e)), parameters(std::move(p)) {}
    static Outcome Text(std::string text) {
      Outcome out("", nlohmann::json::object());
      out.parameters_text = std::move(text);
      return out;
    }
  };
  Outcome Dispatch(const varlink::Call& call, const Peer& peer);
  Outcome Files(const varlink::Call& call, const Peer& peer, bool apply);

  ServiceOptions options_;
  PolicyCache cache_;
  RecordCache records_;  ///< for the runs that write nothing
  IdLookup ids_;
  size_t calls_ = 0;
};

}  // namespace capset::capsetd
