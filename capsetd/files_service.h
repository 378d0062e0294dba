// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the methods: org.varlink.service (GetInfo, GetInterfaceDescription) and
// io.capset.Files (Verify, Apply; io.capset.Files.varlink). Each call first authorizes the
// caller from the capsetd: section of the policy as it is now (policy_cache.h: read again
// only when the tree changed, so a caller allowed nothing costs a few system calls), then
// acts on that same policy, and journals every change it makes.
// Thread-safety: Handle, HandleWithoutWriting and MayAskAnything may be called from several
// threads at once (the workers, the event loop): the caches are shared under a lock, and Apply
// calls that write run one at a time in Handle (as they would from separate processes, which
// the record's lock serializes); every other call runs side by side with them and each other.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
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
  /// The same without writing anything: nullopt for an Apply (not a dry run) that would
  /// change a file or the record (DryRunWritesNothing), whose policy has not settled, or that
  /// finds another apply holding the writers' lock; Handle then answers it. An Apply with nothing
  /// to change is answered by the dry run that found so, without the record's lock: what an Apply
  /// of it would have replied.
  std::optional<std::string> HandleWithoutWriting(const varlink::Call& call, const Peer& peer);

  /// Whether the policy lets `peer` ask for any action (root always): the server keeps
  /// capacity for such callers.
  bool MayAskAnything(const Peer& peer);

  size_t calls() const { return calls_.load(std::memory_order_relaxed); }
  size_t policy_loads();

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
  /// nullopt: an Apply that is to write, asked without `may_write`.
  std::optional<std::string> AnswerCall(const varlink::Call& call, const Peer& peer,
                                        bool may_write);
  std::optional<Outcome> Dispatch(const varlink::Call& call, const Peer& peer, bool may_write);
  std::optional<Outcome> Files(const varlink::Call& call, const Peer& peer, bool apply,
                               bool may_write);
  std::shared_ptr<const LoadedPolicy> CurrentPolicy();
  std::shared_ptr<const RecordSnapshot> CurrentRecord();

  ServiceOptions options_;
  std::mutex caches_mu_;
  PolicyCache cache_;    // guarded by caches_mu_
  RecordCache records_;  ///< for the runs that write nothing; guarded by caches_mu_
  std::mutex apply_mu_;  ///< held through an Apply that may write
  const IdLookup ids_;   ///< NSS's reentrant lookups
  std::atomic<size_t> calls_{0};
};

}  // namespace capset::capsetd
