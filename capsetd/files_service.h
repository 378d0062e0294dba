// capsetd — the methods: org.varlink.service (GetInfo, GetInterfaceDescription) and
// io.capset.Files (Verify, Apply; io.capset.Files.varlink). Each call reads the policy
// afresh (a package may just have added a file), authorizes the caller from its capsetd:
// section, and journals every change it makes.
// Thread-safety: one object, used from the event loop's thread.
#pragma once

#include <string>

#include "capset/ipc/varlink.h"
#include "peer.h"

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

  size_t calls() const { return calls_; }

 private:
  struct Outcome {
    std::string error;  ///< "" = success
    nlohmann::json parameters = nlohmann::json::object();
  };
  Outcome Dispatch(const varlink::Call& call, const Peer& peer);
  Outcome Files(const varlink::Call& call, const Peer& peer, bool apply);

  ServiceOptions options_;
  IdLookup ids_;
  size_t calls_ = 0;
};

}  // namespace capset::capsetd
