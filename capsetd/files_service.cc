// SPDX-License-Identifier: LGPL-2.1-or-later
#include "files_service.h"

#include <syslog.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "capset/applied_record.h"
#include "capset/config.h"
#include "capset/file_policy_run.h"
#include "capset/ipc/change_journal.h"
#include "capset/ipc/file_report.h"
#include "capset/policy_loader.h"
#include "log.h"

namespace capset::capsetd {
namespace {

using nlohmann::json;

constexpr const char kFiles[] = "io.capset.Files";
constexpr const char kService[] = "org.varlink.service";

journal::Caller CallerOf(const Peer& peer) { return {"capsetd", peer.pid, peer.uid, peer.gid}; }

// Checks that `params` has only `known` keys; the first other one is named in `bad`.
bool OnlyKnown(const json& params, std::initializer_list<const char*> known, std::string& bad) {
  for (const auto& [key, value] : params.items()) {
    bool found = false;
    for (const char* k : known) found = found || key == k;
    if (!found) {
      bad = key;
      return false;
    }
  }
  return true;
}

}  // namespace

FilesService::FilesService(ServiceOptions options)
    : options_(std::move(options)),
      cache_(options_.root),
      records_(options_.root),
      ids_(SystemIdLookup()) {}

std::shared_ptr<const LoadedPolicy> FilesService::CurrentPolicy() {
  const std::lock_guard<std::mutex> lock(caches_mu_);
  return cache_.Current();
}

std::shared_ptr<const RecordSnapshot> FilesService::CurrentRecord() {
  const std::lock_guard<std::mutex> lock(caches_mu_);
  return records_.Current();
}

size_t FilesService::policy_loads() {
  const std::lock_guard<std::mutex> lock(caches_mu_);
  return cache_.reads();
}

bool FilesService::MayAskAnything(const Peer& peer) {
  if (peer.uid == 0) return true;
  const std::shared_ptr<const LoadedPolicy> policy = CurrentPolicy();
  for (const char* action : {"apply", "verify"}) {
    if (Authorize(policy->policy.capsetd_allow, peer, action, ids_).allowed) return true;
  }
  return false;
}

std::string FilesService::Handle(const varlink::Call& call, const Peer& peer) {
  return *AnswerCall(call, peer, /*may_write=*/true);
}

std::optional<std::string> FilesService::HandleWithoutWriting(const varlink::Call& call,
                                                              const Peer& peer) {
  return AnswerCall(call, peer, /*may_write=*/false);
}

std::optional<std::string> FilesService::AnswerCall(const varlink::Call& call, const Peer& peer,
                                                    bool may_write) {
  std::optional<Outcome> out = Dispatch(call, peer, may_write);
  if (!out) return std::nullopt;
  ++calls_;
  if (call.oneway) return "";
  if (!out->error.empty()) return varlink::EncodeError(out->error, out->parameters);
  return out->parameters_text.empty() ? varlink::EncodeReply(out->parameters)
                                      : varlink::EncodeReplyText(out->parameters_text);
}

std::optional<FilesService::Outcome> FilesService::Dispatch(const varlink::Call& call,
                                                            const Peer& peer, bool may_write) {
  const std::string iface = call.interface(), member = call.member();
  auto invalid = [](const std::string& parameter) {
    return Outcome("org.varlink.service.InvalidParameter", {{"parameter", parameter}});
  };
  std::string bad;
  if (iface == kService) {
    if (member == "GetInfo") {
      if (!OnlyKnown(call.parameters, {}, bad)) return invalid(bad);
      return Outcome("", {{"vendor", "capset"},
                          {"product", "capsetd"},
                          {"version", CAPSET_VERSION},
                          {"url", "man:capsetd(8)"},
                          {"interfaces", {kService, kFiles}}});
    }
    if (member == "GetInterfaceDescription") {
      if (!OnlyKnown(call.parameters, {"interface"}, bad)) return invalid(bad);
      const auto it = call.parameters.find("interface");
      if (it == call.parameters.end() || !it->is_string()) return invalid("interface");
      const std::string& name = it->get_ref<const std::string&>();
      if (name == kFiles) return Outcome("", {{"description", std::string(kFilesInterface)}});
      if (name == kService) {
        return Outcome("", {{"description", std::string(kServiceInterface)}});
      }
      return Outcome("org.varlink.service.InterfaceNotFound", {{"interface", name}});
    }
    return Outcome("org.varlink.service.MethodNotFound", {{"method", call.method}});
  }
  if (iface == kFiles) {
    if (member == "Verify" || member == "Apply") {
      return Files(call, peer, member == "Apply", may_write);
    }
    return Outcome("org.varlink.service.MethodNotFound", {{"method", call.method}});
  }
  return Outcome("org.varlink.service.InterfaceNotFound", {{"interface", iface}});
}

std::optional<FilesService::Outcome> FilesService::Files(const varlink::Call& call,
                                                         const Peer& peer, bool apply,
                                                         bool may_write) {
  const json& p = call.parameters;
  std::string bad;
  if (!OnlyKnown(p, {"package", "dry_run"}, bad) || (!apply && p.contains("dry_run"))) {
    return Outcome("org.varlink.service.InvalidParameter",
                   {{"parameter", bad.empty() ? "dry_run" : bad}});
  }
  FilePolicyOptions opt;
  opt.root = options_.root;
  opt.apply = apply;
  if (auto it = p.find("package"); it != p.end() && !it->is_null()) {
    if (!it->is_string() || it->get_ref<const std::string&>().empty()) {
      return Outcome("org.varlink.service.InvalidParameter", {{"parameter", "package"}});
    }
    opt.package = it->get<std::string>();
  }
  if (auto it = p.find("dry_run"); it != p.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      return Outcome("org.varlink.service.InvalidParameter", {{"parameter", "dry_run"}});
    }
    opt.dry_run = it->get<bool>();
  }

  // The policy decides both who may ask and what the files get: the caller is authorized
  // first, against the policy as it is now, and the run then uses that same policy.
  const std::shared_ptr<const LoadedPolicy> policy = CurrentPolicy();
  const std::string action = apply ? "apply" : "verify";
  const Decision decision = Authorize(policy->policy.capsetd_allow, peer, action, ids_);
  if (!decision.allowed) {
    journal::RecordRefusedCall(CallerOf(peer), call.method, decision.reason);
    if (!StderrIsJournal()) {  // the journal has the structured record, at LOG_WARNING
      Log(LOG_WARNING, "refused " + call.method + " from uid " + std::to_string(peer.uid) +
                           " (pid " + std::to_string(peer.pid) + "): " + decision.reason);
    }
    return Outcome("io.capset.Files.NotAuthorized", {{"action", action}, {"uid", peer.uid}});
  }

  bool first = true;
  const PolicyLoader load = [&] {
    if (!first) return CurrentPolicy();
    first = false;
    return policy;  // NOLINT(performance-no-automatic-move): a copy; ours is used again
  };
  PolicyTreeRun tree;
  if (apply && !opt.dry_run && !may_write) {
    // An Apply that would change nothing is answered by the dry run that shows so, beside the
    // other calls; one that would, in its turn (Handle). A policy that has not settled may
    // make the run wait for it: that too waits for its turn, not on this worker.
    if (!policy->unsettled.empty()) return std::nullopt;
    // An apply in progress (capctl's, or this daemon's writer) holds the writers' lock: this
    // Apply is ordered after it, as it always was, not answered from what it has half done.
    // One that starts after this look is ordered after this Apply.
    Result<bool> busy = AppliedRecordStore::WriterActive(RealSys(), options_.root);
    if (!busy.ok() || *busy) return std::nullopt;
    FilePolicyOptions check = opt;
    check.dry_run = true;
    check.quick_check = true;  // an entry to change is not opened here, but in its turn
    std::shared_ptr<const RecordSnapshot> used;
    const RecordSource record = [&] { return used = CurrentRecord(); };
    tree = RunPolicyTree(RealSys(), load, check, /*read_record_alongside=*/false, record);
    if (!used || !DryRunWritesNothing(tree, *used)) return std::nullopt;
  } else {
    const RecordSource record = [this] { return CurrentRecord(); };
    // One Apply at a time: a second would only wait for the record's lock, polling.
    std::unique_lock<std::mutex> applying(apply_mu_, std::defer_lock);
    if (apply && !opt.dry_run) applying.lock();
    tree = RunPolicyTree(RealSys(), load, opt, /*read_record_alongside=*/false, record);
  }
  const FilePolicyRun& run = tree.run;
  journal::RecordFileRun(run, CallerOf(peer), opt.dry_run);
  // Under systemd, stderr is the journal, which has the structured records already.
  if (!StderrIsJournal() && apply && !opt.dry_run) {
    for (const auto& r : run.results) {
      if (r.ok() && r.changed) {
        Log(LOG_NOTICE, r.path + ": " + DriftText(r.drift) + " (for uid " +
                            std::to_string(peer.uid) + ", pid " + std::to_string(peer.pid) + ")");
      }
    }
  }
  return Outcome::Text(FileReportText(run, tree.loaded->diagnostics, tree.loaded->ok(), opt));
}

}  // namespace capset::capsetd
