// capctl policy apply | verify | diff — the policy's files: section (capset.policy(5)),
// through core/include/capset/file_policy.h.
#include <getopt.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "capset/file_policy.h"
#include "capset/policy_loader.h"
#include "cli.h"
#include "diagnostics.h"

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
    "\n"
    "  --root DIR        act on the system image at DIR (paths, and owner and group names\n"
    "                    from DIR/etc/passwd and DIR/etc/group)\n"
    "  --package NAME    only the entries with 'package: NAME'\n"
    "  --dry-run         (apply) show what would change, change nothing\n"
    "  --force-hardlinks accept files with more than one hard link\n"
    "  --json            print {\"ok\", \"entries\": [...], \"summary\"}\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 done / no drift; 1 an error (a policy file, or a file that could not be\n"
    "checked or changed); 2 usage error; 3 (verify, diff) drift found.\n";

constexpr int kExitDrift = 3;

enum class Verb { kApply, kVerify, kDiff };

std::string StatusWord(const FileResult& r, bool apply, bool dry_run) {
  if (!r.ok()) return "error";
  if (apply) return r.changed ? (dry_run ? "would-change" : "changed") : "ok";
  return r.drift.empty() ? "ok" : "drift";
}

nlohmann::json EntryJson(const FileResult& r, bool apply, bool dry_run) {
  nlohmann::json drift = nlohmann::json::array();
  for (const auto& d : r.drift) {
    drift.push_back({{"kind", DriftKindName(d.kind)}, {"have", d.have}, {"want", d.want}});
  }
  nlohmann::json j = {{"path", r.path},
                      {"policy_path", r.entry->path},
                      {"package", r.entry->package},
                      {"source", r.entry->where.ToString()},
                      {"status", StatusWord(r, apply, dry_run)},
                      {"fallback", r.fallback},
                      {"drift", drift},
                      {"warnings", r.warnings}};
  if (!r.ok()) j["error"] = r.error.message();
  return j;
}

}  // namespace

int RunPolicyFiles(const std::string& verb_name, int argc, char** argv) {
  const Verb verb = verb_name == "apply"    ? Verb::kApply
                    : verb_name == "verify" ? Verb::kVerify
                                            : Verb::kDiff;
  enum { kRoot = 256, kPackage, kDryRun, kJson, kForceHardlinks };
  static const option kLong[] = {{"root", required_argument, nullptr, kRoot},
                                 {"package", required_argument, nullptr, kPackage},
                                 {"dry-run", no_argument, nullptr, kDryRun},
                                 {"force-hardlinks", no_argument, nullptr, kForceHardlinks},
                                 {"json", no_argument, nullptr, kJson},
                                 {"help", no_argument, nullptr, 'h'},
                                 {nullptr, 0, nullptr, 0}};
  FilePolicyOptions opt;
  opt.apply = verb == Verb::kApply;
  bool json = false;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1;) {
    switch (c) {
      case kRoot:
        opt.root = optarg;
        break;
      case kPackage:
        opt.package = optarg;
        break;
      case kDryRun:
        if (verb != Verb::kApply) {
          PrintError("policy " + verb_name + ": --dry-run is for apply");
          return kExitUsage;
        }
        opt.dry_run = true;
        break;
      case kForceHardlinks:
        opt.allow_hardlinks = true;
        break;
      case kJson:
        json = true;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
  }
  const std::vector<std::string> files(argv + optind, argv + argc);
  const LoadedPolicy loaded = files.empty() ? LoadPolicyTree(opt.root) : LoadPolicyFiles(files);
  const std::vector<FileResult> results = ProcessFilePolicy(RealSys(), loaded.policy, opt);

  size_t errors = 0, drifted = 0, changed = 0, fallbacks = 0;
  for (const auto& r : results) {
    errors += !r.ok();
    drifted += r.ok() && !r.drift.empty();
    changed += r.ok() && r.changed;
    fallbacks += r.ok() && r.fallback;
  }
  const bool policy_ok = loaded.ok();
  if (json) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& r : results) entries.push_back(EntryJson(r, opt.apply, opt.dry_run));
    const nlohmann::json doc = {
        {"ok", policy_ok && errors == 0 && (opt.apply || drifted == 0)},
        {"entries", entries},
        {"diagnostics", DiagnosticsJson(loaded.diagnostics)},
        {"summary",
         {{"entries", results.size()},
          {"errors", errors},
          {"drift", drifted},
          {opt.dry_run ? "would_change" : "changed", changed},
          {"setuid_fallbacks", fallbacks}}}};
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    PrintDiagnostics(loaded.diagnostics);
    for (const auto& r : results) {
      for (const auto& w : r.warnings) PrintWarning(w);
      if (!r.ok()) {
        PrintError(r.error.message() + " (" + r.entry->where.ToString() + ")");
        continue;
      }
      if (r.fallback && !r.drift.empty()) {
        PrintNote(r.path +
                  ": the filesystem cannot store file capabilities; using the entry's "
                  "setuid fallback");
      }
      if (r.drift.empty()) continue;
      if (verb == Verb::kApply) {
        std::printf("%s %s: %s\n", opt.dry_run ? "would change" : "changed", r.path.c_str(),
                    DriftText(r.drift).c_str());
      } else if (verb == Verb::kVerify) {
        std::printf("%s: drift: %s\n", r.path.c_str(), DriftText(r.drift).c_str());
      } else {
        std::printf("%s (%s)\n", r.path.c_str(), r.entry->where.ToString().c_str());
        for (const auto& d : r.drift) {
          std::printf("-%s: %s\n+%s: %s\n", DriftKindName(d.kind),
                      d.have.empty() ? "none" : d.have.c_str(), DriftKindName(d.kind),
                      d.want.empty() ? "none" : d.want.c_str());
        }
      }
    }
    if (verb != Verb::kDiff) {
      std::fprintf(stderr, "%zu entr%s: %zu %s, %zu error(s)%s\n", results.size(),
                   results.size() == 1 ? "y" : "ies", opt.apply ? changed : drifted,
                   opt.apply ? (opt.dry_run ? "would change" : "changed") : "with drift",
                   errors,
                   fallbacks ? (", " + std::to_string(fallbacks) + " setuid fallback(s)").c_str()
                             : "");
    }
  }
  if (!policy_ok || errors) return kExitFailure;
  return !opt.apply && drifted ? kExitDrift : kExitOk;
}

}  // namespace capset::capctl
