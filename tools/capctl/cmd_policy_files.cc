// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl policy apply | verify | diff — the policy's files: section (capset.policy(5)),
// through core/include/capset/file_policy.h.
#include <getopt.h>
#include <linux/capability.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>

#include "capset/file_policy_run.h"
#include "capset/ipc/change_journal.h"
#include "capset/ipc/file_report.h"
#include "capset/ipc/json_text.h"
#include "capset/ipc/varlink_client.h"
#include "capset/policy_loader.h"
#include "capset/process.h"
#include "cli.h"
#include "file_report_print.h"

namespace capset::capctl {
namespace {

constexpr const char kUsage[] =
    "Usage: capctl policy apply  [--root DIR] [--package NAME] [--dry-run] [--json] [FILE...]\n"
    "       capctl policy verify [--root DIR] [--package NAME] [--json] [FILE...]\n"
    "       capctl policy diff   [--root DIR] [--package NAME] [--json] [FILE...]\n"
    "\n"
    "The files: section of the policy: each entry's capabilities (root id 0), no set-user-ID\n"
    "bit (capabilities replace it), and owner, group and mode where the entry gives them.\n"
    "apply changes only what differs, through a descriptor after a symlink-free walk, and\n"
    "verifies the result; applying twice writes nothing. verify reports drift; diff shows it\n"
    "as have/want lines. Where a filesystem cannot store capabilities, an entry with\n"
    "'fallback: setuid' makes the file set-user-ID root instead (and says so).\n"
    "Without FILE, the layered directories ROOT/{etc,run,usr/lib}/capset/policy.d are read.\n"
    "Without root or CAP_SETFCAP (and without FILE or --root), capctl asks capsetd at\n"
    "$CAPSET_DAEMON_SOCKET or /run/capset/io.capset.Files, which acts if the policy's\n"
    "capsetd: section allows the caller. Changes are recorded in the journal.\n"
    "\n"
    "  --root DIR        act on the system image at DIR (paths, and owner and group names\n"
    "                    from DIR/etc/passwd and DIR/etc/group)\n"
    "  --package NAME    only the entries with 'package: NAME'\n"
    "  --stage NAME.yaml=FILE  (verify, diff, apply --dry-run) as if FILE were installed as\n"
    "                    ROOT/etc/capset/policy.d/NAME.yaml (repeatable)\n"
    "  --unstage NAME.yaml  as if ROOT/etc/capset/policy.d/NAME.yaml were removed\n"
    "  --dry-run         (apply) show what would change, change nothing\n"
    "  --force-hardlinks accept files with more than one hard link\n"
    "  --json            print {\"ok\", \"entries\": [...], \"diagnostics\", \"summary\"}\n"
    "  --daemon          ask capsetd (io.capset.Files) instead of acting directly\n"
    "  --local           act directly, even when not privileged\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 done / no drift; 1 an error (a policy file, or a file that could not be\n"
    "checked or changed); 2 usage error; 3 (verify, diff) drift found.\n";

using Verb = PolicyVerb;

enum { kRoot = 256, kPackage, kDryRun, kJson, kForceHardlinks, kDaemon, kLocal, kStage, kUnstage };

// Whether this process can change file capabilities itself (else capsetd is asked).
bool Privileged() {
  if (geteuid() == 0) return true;
  const Result<CapState> caps = GetProcessCaps();
  return caps.ok() && (caps->permitted & CapBit(CAP_SETFCAP));
}

std::string DaemonSocket() {
  const char* env = std::getenv("CAPSET_DAEMON_SOCKET");
  return env && *env ? env : varlink::kDaemonSocket;
}

// Asks capsetd; the reply's parameters are the same report a local run makes.
Result<nlohmann::json> AskDaemon(Verb verb, const FilePolicyOptions& opt) {
  const std::string path = DaemonSocket();
  Result<varlink::Client> client = varlink::Client::Connect(path);
  if (!client.ok()) {
    return client.status().WithPrefix(
        "not privileged, and capsetd is not reachable (run as root, start capsetd.socket, or "
        "use --local)");
  }
  nlohmann::json params = nlohmann::json::object();
  if (opt.package) params["package"] = *opt.package;
  if (verb == Verb::kApply && opt.dry_run) params["dry_run"] = true;
  Result<varlink::Reply> reply = client->Call(
      verb == Verb::kApply ? "io.capset.Files.Apply" : "io.capset.Files.Verify", params);
  if (!reply.ok()) return reply.status().WithPrefix("capsetd at '" + path + "'");
  if (reply->error == "io.capset.Files.NotAuthorized") {
    return Status(Code::kPermissionDenied,
                  "capsetd refused: the policy's capsetd: section does not allow uid " +
                      std::to_string(getuid()) + " to " +
                      reply->parameters.value("action", std::string("?")));
  }
  if (!reply->error.empty()) {
    return Status(Code::kIoError,
                  "capsetd replied " + reply->error + " " + reply->parameters.dump());
  }
  if (!reply->parameters.contains("entries") || !reply->parameters["entries"].is_array()) {
    return Status(Code::kCorrupt, "capsetd's reply has no entries");
  }
  return std::move(reply->parameters);
}

// The exit status of a report; a --package that names no entry is an error (a typo, not
// "nothing to do").
int ReportExit(const FileRunSummary& sum, bool policy_ok, const FilePolicyOptions& opt) {
  if (opt.package && sum.entries == 0) {
    PrintError("--package " + *opt.package + ": no entry of the policy (nor of the record " +
               "of applied files) has 'package: " + *opt.package + "'");
    return kExitFailure;
  }
  if (!policy_ok || sum.errors > 0) return kExitFailure;
  return !opt.apply && sum.drifted > 0 ? kExitDrift : kExitOk;
}

// Asks capsetd, prints its report and returns the exit status.
int ReportDaemonRun(Verb verb, const FilePolicyOptions& opt, bool json) {
  Result<nlohmann::json> reply = AskDaemon(verb, opt);
  if (!reply.ok()) {
    PrintError(reply.status().message());
    return kExitFailure;
  }
  const nlohmann::json& report = KeepUntilExit(std::move(*reply));
  // A reply with members of unexpected types makes nlohmann::json throw.
  try {
    if (json) {
      std::printf("%s\n", DumpJson(report).c_str());
    } else {
      PrintFileReport(report, verb, opt.dry_run);
    }
    const auto diagnostics = report.find("diagnostics");  // absent: none
    const bool policy_ok =
        diagnostics == report.end() ||
        std::none_of(diagnostics->begin(), diagnostics->end(),
                     [](const nlohmann::json& d) { return d.value("severity", "") == "error"; });
    return ReportExit(ReportSummary(report.at("summary"), opt.dry_run), policy_ok, opt);
  } catch (const nlohmann::json::exception& e) {
    PrintError(std::string("malformed report from capsetd: ") + e.what());
    return kExitFailure;
  }
}

}  // namespace

// verify and diff change nothing: their table is apply's without its first entry, --dry-run.
const option kPolicyApplyOptions[] = {{"dry-run", no_argument, nullptr, kDryRun},
                                      {"root", required_argument, nullptr, kRoot},
                                      {"stage", required_argument, nullptr, kStage},
                                      {"unstage", required_argument, nullptr, kUnstage},
                                      {"package", required_argument, nullptr, kPackage},
                                      {"force-hardlinks", no_argument, nullptr, kForceHardlinks},
                                      {"json", no_argument, nullptr, kJson},
                                      {"daemon", no_argument, nullptr, kDaemon},
                                      {"local", no_argument, nullptr, kLocal},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};
const option* const kPolicyVerifyOptions = &kPolicyApplyOptions[1];

int RunPolicyFiles(int argc, char** argv) {
  const std::string verb_name = argv[0];
  const Verb verb = verb_name == "apply"    ? Verb::kApply
                    : verb_name == "verify" ? Verb::kVerify
                                            : Verb::kDiff;
  FilePolicyOptions opt;
  opt.apply = verb == Verb::kApply;
  bool json = false, via_daemon = false, local = false;
  std::map<std::string, std::string> staged;
  optind = 1;
  for (int c;
       (c = getopt_long(argc, argv, "h", opt.apply ? kPolicyApplyOptions : kPolicyVerifyOptions,
                        nullptr)) != -1;) {
    switch (c) {
      case kRoot:
        opt.root = optarg;
        break;
      case kPackage:
        opt.package = optarg;
        break;
      case kDryRun:
        opt.dry_run = true;
        break;
      case kForceHardlinks:
        opt.allow_hardlinks = true;
        break;
      case kJson:
        json = true;
        break;
      case kDaemon:
        via_daemon = true;
        break;
      case kLocal:
        local = true;
        break;
      case kStage:
      case kUnstage: {
        const std::string arg = optarg;
        const size_t eq = arg.find('=');
        const std::string name = c == kStage ? arg.substr(0, eq) : arg;
        const bool plain = !name.empty() && name[0] != '.' && name.find('/') == std::string::npos &&
                           name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0;
        if (!plain || (c == kStage && (eq == std::string::npos || eq + 1 == arg.size()))) {
          PrintError(std::string(c == kStage ? "--stage NAME.yaml=FILE" : "--unstage NAME.yaml") +
                     ": '" + Printable(arg) + "' is not that (NAME is a policy file's name)");
          return kExitUsage;
        }
        staged[name] = c == kStage ? arg.substr(eq + 1) : std::string();
        break;
      }
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
  }
  const std::vector<std::string> files(argv + optind, argv + argc);
  if (!RootExists(opt.root)) return kExitUsage;
  if (via_daemon && (!files.empty() || opt.root != "/" || opt.allow_hardlinks)) {
    PrintError("policy " + verb_name +
               ": --daemon acts on the system policy: no FILE, --root or --force-hardlinks");
    return kExitUsage;
  }
  if (!staged.empty() && (via_daemon || !files.empty() || (opt.apply && !opt.dry_run))) {
    PrintError("policy " + verb_name +
               ": --stage/--unstage show what installing or removing a policy file would "
               "change: with verify, diff or apply --dry-run, on the layered directories "
               "(no FILE, no --daemon)");
    return kExitUsage;
  }
  if (!staged.empty()) local = true;
  if (!local && !via_daemon && files.empty() && opt.root == "/" && !Privileged()) {
    via_daemon = true;
  }

  if (via_daemon) return ReportDaemonRun(verb, opt, json);

  // Each change's journal message is sent as soon as the change is made, on the thread that
  // made it: where journald listens, its taking of thousands of them is most of an apply's
  // time, and so it overlaps the work on the other files.
  const journal::Caller caller{"capctl", getpid(), getuid(), getgid()};
  const bool journal = !opt.dry_run && journal::JournalSocketExists();
  if (journal) {
    // on_result must not throw: a message that cannot be made (out of memory) is lost, not
    // the apply (whose record is saved after the last file).
    opt.on_result = [&caller](const FileResult& r) {
      try {
        journal::RecordFileResult(r, caller);
      } catch (const std::exception&) {
      }
    };
  }
  PolicyTreeRun& tree = KeepUntilExit(PolicyTreeRun());  // large: never taken apart
  // The text report's entries are printed as soon as the files are done, while the record is
  // saved; its end (the record's warnings, the summary) after. The policy they print the
  // diagnostics of is the one the run used (the last loaded, where it waited and read again).
  std::shared_ptr<const LoadedPolicy> loaded;
  if (!json) {
    opt.beside_record = [&](const std::vector<FileResult>& results) {
      PrintFileReportEntries(*loaded, results, verb, opt);
    };
  }
  if (files.empty()) {
    const PolicyLoader load = [&] {
      if (loaded) {  // a second time (RunPolicyTree waited): said before the report, as it is
        PrintNote("a policy file changed less than " + std::to_string(kSettleSeconds) +
                  " s before it was read and no longer named a file capset applied; waited for "
                  "it to settle and read the policy again");
      }
      PolicyLoadOptions load_options;
      load_options.staged = staged;
      loaded = std::make_shared<const LoadedPolicy>(LoadPolicyTree(opt.root, load_options));
      return loaded;
    };
    tree = RunPolicyTree(RealSys(), load, opt);
  } else {
    tree.loaded = loaded = std::make_shared<const LoadedPolicy>(LoadPolicyFiles(files));
    tree.run = RunFilePolicy(RealSys(), tree.loaded->policy, opt, RecordUse::kNone);
  }
  if (journal) journal::RecordRecordStatus(tree.run, caller);
  if (json) {
    const nlohmann::json& report =
        KeepUntilExit(FileReportJson(tree.run, tree.loaded->diagnostics, tree.loaded->ok(), opt));
    std::printf("%s\n", DumpJson(report).c_str());
  } else {
    PrintFileReportEnd(tree.run, verb, opt);
  }
  return ReportExit(SummarizeFileRun(tree.run), tree.loaded->ok(), opt);
}

}  // namespace capset::capctl
