// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl audit — set-user-ID/-group-ID binaries and file capabilities against the policy,
// with the capabilities that replace set-user-ID root for programs capset knows.
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>

#include "capset/audit.h"
#include "capset/ipc/json_text.h"
#include "capset/policy_loader.h"
#include "capset/unit_syntax.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

constexpr const char kUsage[] =
    "Usage: capctl audit [--root DIR] [--json] [--policy-out FILE] [DIR...]\n"
    "       capctl audit --services [--root DIR] [--json] [--policy-out FILE]\n"
    "                    [--templates DIR] [--fail-above EXPOSURE] [UNIT...]\n"
    "       capctl audit --known [--json]\n"
    "\n"
    "Lists the set-user-ID and set-group-ID programs and the files with capabilities below\n"
    "DIR (default ROOT/usr, ROOT/opt and, where they are real directories, ROOT/bin,\n"
    "ROOT/sbin, ROOT/lib), staying on each one's filesystem, and compares them with the\n"
    "policy's files: section (ROOT's layered policy directories). For programs capset knows\n"
    "it says which capabilities replace set-user-ID root, or why none can.\n"
    "\n"
    "Kinds: policy-ok, policy-drift, replaceable, not-replaceable, unknown,\n"
    "caps-not-in-policy.\n"
    "\n"
    "With --services it audits services instead: from the running systemd (its bus and\n"
    "/proc), or with --root from the unit files below DIR. For each running service (or each\n"
    "UNIT): whether it runs as root, its bounding and ambient sets, what its processes hold\n"
    "and listen on, its exposure (systemd-analyze security's weights: the same number), the\n"
    "policy entry covering it, and a suggestion: a services: entry from a profile kept by\n"
    "'capctl profile --unit', else from capset's knowledge base, with the exposure predicted\n"
    "once capset's drop-in is in place and the traps the linter finds in it.\n"
    "\n"
    "  --root DIR          audit the system image at DIR (default /)\n"
    "  --policy-out FILE   write a policy with an entry for every replaceable program\n"
    "                      (- for standard output)\n"
    "  --services          audit services (see above)\n"
    "  --templates DIR     with --services: look for hardening templates in DIR first\n"
    "  --fail-above EXPOSURE  with --services: exit 3 if a service's exposure is above\n"
    "                      EXPOSURE (0.0-10.0, as systemd-analyze security prints it)\n"
    "  --known             list what capset knows: program, capabilities, why, source\n"
    "  --json              machine-readable output\n"
    "  -h, --help          show this help\n"
    "\n"
    "Exit status: 0 audited; 1 something could not be read or the policy has errors;\n"
    "2 usage error; 3 (--fail-above) a service's exposure is above the threshold.\n";

std::string Owner(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return pw ? pw->pw_name : std::to_string(uid);
}
std::string GroupName(gid_t gid) {
  const group* gr = ::getgrgid(gid);
  return gr ? gr->gr_name : std::to_string(gid);
}

std::string SetIdText(const AuditedFile& f) {
  std::string s;
  if (f.mode & S_ISUID) s += "u+s:" + Owner(f.uid);
  if (f.mode & S_ISGID) s += std::string(s.empty() ? "" : ",") + "g+s:" + GroupName(f.gid);
  return s.empty() ? "-" : s;
}

int PrintKnown(bool json) {
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& k : KnownBinaries()) {
      all.push_back({{"name", k.name},
                     {"caps", k.caps ? nlohmann::json(k.caps) : nlohmann::json(nullptr)},
                     {"why", k.why},
                     {"source", k.source}});
    }
    std::printf("%s\n", DumpJson(all).c_str());
    return kExitOk;
  }
  std::printf("%-26s %-48s %s\n", "PROGRAM", "CAPABILITIES", "WHY / SOURCE");
  for (const auto& k : KnownBinaries()) {
    std::printf("%-26s %-48s %s; %s\n", k.name, k.caps ? k.caps : "(not replaceable)", k.why,
                k.source);
  }
  return kExitOk;
}

enum { kRoot = 256, kJson, kPolicyOut, kKnown, kServices, kFailAbove, kTemplates };

// "9.6" → 96: the printed exposure, one decimal at most, 0.0 to 10.0.
std::optional<int> ParseExposure(const std::string& text) {
  const size_t dot = text.find('.');
  const std::string whole = text.substr(0, dot);
  const std::string tenths = dot == std::string::npos ? "0" : text.substr(dot + 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!digits(whole) || !digits(tenths) || whole.size() > 2 || tenths.size() != 1) {
    return std::nullopt;
  }
  const int v = std::stoi(whole) * 10 + (tenths[0] - '0');
  if (v > 100) return std::nullopt;
  return v;
}

}  // namespace

const option kAuditOptions[] = {{"root", required_argument, nullptr, kRoot},
                                {"json", no_argument, nullptr, kJson},
                                {"policy-out", required_argument, nullptr, kPolicyOut},
                                {"known", no_argument, nullptr, kKnown},
                                {"services", no_argument, nullptr, kServices},
                                {"fail-above", required_argument, nullptr, kFailAbove},
                                {"templates", required_argument, nullptr, kTemplates},
                                {"help", no_argument, nullptr, 'h'},
                                {nullptr, 0, nullptr, 0}};

int RunAudit(int argc, char** argv) {
  std::string root = "/";
  std::string policy_out;
  bool json = false, known = false, services = false, root_given = false;
  int fail_above = -1;
  std::string templates;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kAuditOptions, nullptr)) != -1;) {
    switch (c) {
      case kRoot:
        root = optarg;
        root_given = true;
        break;
      case kServices:
        services = true;
        break;
      case kTemplates:
        templates = optarg;
        break;
      case kFailAbove:
        if (std::optional<int> v = ParseExposure(optarg)) {
          fail_above = *v;
        } else {
          PrintError(std::string("--fail-above: '") + Printable(optarg) +
                     "' is no exposure (expected 0.0 to 10.0, e.g. 5.0)");
          return kExitUsage;
        }
        break;
      case kJson:
        json = true;
        break;
      case kPolicyOut:
        policy_out = optarg;
        break;
      case kKnown:
        known = true;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
  }
  if (known && services) {
    PrintError("--known and --services are two different audits; give one");
    return kExitUsage;
  }
  if (known) return PrintKnown(json);
  if ((fail_above >= 0 || !templates.empty()) && !services) {
    PrintError(std::string(fail_above >= 0 ? "--fail-above" : "--templates") +
               " needs --services");
    return kExitUsage;
  }
  if (services) {
    if (!RootExists(root)) return kExitUsage;
    ServiceAuditOptions o;
    o.root = root;
    o.offline = root_given;
    o.json = json;
    o.policy_out = policy_out;
    o.fail_above = fail_above;
    o.templates = templates;
    o.units.assign(argv + optind, argv + argc);
    for (const std::string& u : o.units) {
      if (std::optional<std::string> why = InvalidServiceName(u)) {
        if (u.find('@') == std::string::npos) {
          PrintError("'" + Printable(u) + "' is no service unit name: " + *why);
          return kExitUsage;
        }
      }
    }
    return RunServiceAudit(o);
  }
  std::vector<std::string> dirs(argv + optind, argv + argc);
  if (!RootExists(root)) return kExitUsage;
  if (dirs.empty()) {
    for (const char* d : {"/usr", "/opt", "/bin", "/sbin", "/lib"}) {
      struct stat st {};
      const std::string path = RootedPath(root, d);
      if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) dirs.push_back(path);
    }
  }
  std::vector<std::string> errors;
  const std::vector<AuditedFile> files = InventoryPrivilegedFiles(dirs, root, errors);
  const LoadedPolicy loaded = LoadPolicyTree(root);
  const std::vector<AuditFinding> findings = Audit(files, loaded.policy);

  if (!policy_out.empty()) {
    std::vector<std::string> skipped;
    const std::string text = SuggestedPolicy(findings, &skipped);
    for (const auto& path : skipped) {
      PrintWarning("'" + Printable(path) +
                   "' is left out of the policy: its name is not UTF-8, which YAML cannot hold");
    }
    if (policy_out == "-") {
      std::fputs(text.c_str(), stdout);
    } else if (Status st = WriteOutputFile(policy_out, text); !st.ok()) {
      PrintError(st.message());
      return kExitFailure;
    }
    if (policy_out == "-") return errors.empty() && loaded.ok() ? kExitOk : kExitFailure;
  }
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& f : findings) {
      nlohmann::json j = {{"kind", AuditKindName(f.kind)},
                          {"setuid", (f.file.mode & S_ISUID) != 0},
                          {"setgid", (f.file.mode & S_ISGID) != 0},
                          {"owner", Owner(f.file.uid)},
                          {"group", GroupName(f.file.gid)},
                          {"caps", f.file.caps ? f.file.caps->caps.ToText() : ""},
                          {"detail", f.detail}};
      if (f.known) {
        j["suggested_caps"] = f.known->caps ? nlohmann::json(f.known->caps) : nullptr;
        j["source"] = f.known->source;
      }
      if (f.entry) j["policy"] = f.entry->where.ToString();
      SetPathJson(j, "path", f.file.path);
      all.push_back(j);
    }
    const nlohmann::json doc = {{"findings", all},
                                {"errors", errors},
                                {"diagnostics", DiagnosticsJson(loaded.diagnostics)}};
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    PrintDiagnostics(loaded.diagnostics);
    for (const auto& e : errors) PrintError(e);
    std::printf("%-18s %-22s %-28s %s\n", "KIND", "SET-ID", "CAPABILITIES", "PATH");
    size_t replaceable = 0;
    for (const auto& f : findings) {
      std::string caps = f.file.caps ? f.file.caps->caps.ToText() : "-";
      if (f.file.caps && f.file.caps->caps.rootid != 0) {
        caps += " [rootid=" + std::to_string(f.file.caps->caps.rootid) + "]";
      }
      std::printf("%-18s %-22s %-28s %s\n", AuditKindName(f.kind), SetIdText(f.file).c_str(),
                  caps.c_str(), Printable(f.file.path).c_str());
      if (f.kind == AuditFinding::Kind::kReplaceable) {
        ++replaceable;
        std::printf("%-18s -> %s: %s (%s)\n", "", f.known->caps, f.known->why, f.known->source);
      } else if (f.kind == AuditFinding::Kind::kNotReplaceable) {
        std::printf("%-18s -> keeps set-ID: %s\n", "", f.known->why);
      } else if (!f.detail.empty()) {
        std::printf("%-18s -> %s\n", "", Printable(f.detail).c_str());
      }
    }
    std::fprintf(stderr, "%zu privileged file(s), %zu replaceable by capabilities%s\n",
                 findings.size(), replaceable,
                 replaceable ? " (capctl audit --policy-out FILE writes a policy for them)" : "");
  }
  return errors.empty() && loaded.ok() ? kExitOk : kExitFailure;
}

}  // namespace capset::capctl
