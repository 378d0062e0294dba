// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl unit — systemd drop-ins from the policy's services: section.
//   generate   print (or write into a directory) the drop-in of each service
//   lint       report the capability traps, with file:line:column and how to fix them
//   templates  list the hardening templates
#include <getopt.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "capset/drop_in_writer.h"
#include "capset/ipc/json_text.h"
#include "capset/policy_loader.h"
#include "capset/printable.h"
#include "capset/scanner.h"
#include "capset/service_plan.h"
#include "capset/unit_files.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

constexpr const char kUnitUsage[] =
    "Usage: capctl unit generate [OPTIONS] [--output DIR] [SERVICE...]\n"
    "       capctl unit lint [OPTIONS] [--systemd-version N] [SERVICE...]\n"
    "       capctl unit verify [OPTIONS] [--dir DIR] [SERVICE...]\n"
    "       capctl unit templates [OPTIONS]\n"
    "\n"
    "generate   print the systemd drop-in (NAME.service.d/50-capset.conf) of each service in\n"
    "           the policy, or write them below --output DIR; services with lint errors are\n"
    "           refused, exactly as capset-generator refuses them\n"
    "lint       check services for the capability traps: ambient capabilities outside the\n"
    "           bounding set (also what PrivateDevices=, ProtectKernelModules=,\n"
    "           ProtectKernelLogs=, ProtectClock= remove), ambient capabilities for root,\n"
    "           file capabilities under NoNewPrivileges= (set or implied), CAP_SETUID lost to\n"
    "           User= and seccomp on systemd >= 255, a bounding capability whose system\n"
    "           calls SystemCallFilter= blocks, the unit's PIDFile= (or what a known daemon\n"
    "           writes) made read-only by ProtectSystem=, ProtectHome= against a daemon\n"
    "           that serves home directories\n"
    "verify     whether the drop-ins systemd reads (DIR/NAME.service.d/50-capset.conf, DIR\n"
    "           the generator's output ROOT/run/systemd/generator) are what the generator\n"
    "           writes from the policy now, directive by directive: drift (a hand edit, an\n"
    "           untrusted file), missing (not reloaded since the policy changed), stale (a\n"
    "           drop-in of a service the policy no longer names; without SERVICE), and\n"
    "           shadowed or overridden (another 50-capset.conf earlier in systemd's search\n"
    "           path, or a later drop-in setting User=, capabilities or what capset sets)\n"
    "templates  list the hardening templates with their description and measured exposure\n"
    "\n"
    "Options:\n"
    "  --root DIR           the system image whose policy and templates to read (default /)\n"
    "  --policy FILE        read this policy file instead of the policy directories (repeatable)\n"
    "  --templates DIR      look for templates in DIR first\n"
    "  --output DIR         (generate) write DIR/NAME.service.d/50-capset.conf\n"
    "  --dir DIR            (verify) the drop-ins' directory (default\n"
    "                       ROOT/run/systemd/generator)\n"
    "  --systemd-version N  (lint) the target's systemd version (default: this machine's)\n"
    "  --json               machine-readable output\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 all services fine; 1 a policy error or a refused service; 2 usage;\n"
    "3 (verify) a drop-in differs from the policy, is shadowed or overridden, missing or\n"
    "stale (1 wins: a refused entry or a policy error).\n";

struct UnitOptions {
  std::string command;
  std::string root = "/";
  std::vector<std::string> policy_files;
  std::string templates;
  std::string output;
  std::string dir;
  int systemd_version = -1;  // -1: detect
  bool json = false;
  std::vector<std::string> services;
};

int DetectSystemdVersion() {
  FILE* p = ::popen("systemctl --version 2>/dev/null", "r");
  if (p == nullptr) return 0;
  int version = 0;
  if (std::fscanf(p, "systemd %d", &version) != 1) version = 0;
  ::pclose(p);
  return version;
}

int Templates(const UnitOptions& opt, const std::vector<std::string>& dirs) {
  nlohmann::json list = nlohmann::json::array();
  int rc = kExitOk;
  const std::vector<std::string> names = ListUnitTemplates(dirs);
  if (names.empty()) {
    std::string searched;
    for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
    PrintError("no hardening templates found (looked in " + searched + ")");
    rc = kExitFailure;
  }
  for (const auto& name : names) {
    Result<UnitTemplate> t = LoadUnitTemplate(name, dirs, TrustMode::kReport);
    if (!t.ok()) {
      PrintError(t.status().message());
      rc = kExitFailure;
      continue;
    }
    if (opt.json) {
      list.push_back({{"name", t->name},
                      {"path", t->path},
                      {"description", t->description},
                      {"exposure", t->exposure ? nlohmann::json(*t->exposure) : nullptr}});
    } else {
      std::printf("%-18s %4s  %s\n", ControlsEscaped(t->name).c_str(),
                  t->exposure ? std::to_string(*t->exposure).substr(0, 3).c_str() : "?",
                  ControlsEscaped(t->description).c_str());
    }
  }
  if (opt.json) std::printf("%s\n", DumpJson(list).c_str());
  return rc;
}

int Run(const UnitOptions& opt) {
  if (opt.command == "verify") {  // the generator's own templates and lint (service_plan.h)
    return RunUnitVerify({opt.root, opt.policy_files, opt.dir, opt.json, opt.services});
  }
  std::vector<std::string> dirs = TemplateDirectories(opt.root);
  if (!opt.templates.empty()) dirs.insert(dirs.begin(), opt.templates);
  if (opt.command == "templates") return Templates(opt, dirs);

  // Writing drop-ins (--output) grants capabilities: the policy and the templates must pass
  // the trust rule. Linting, or printing the drop-ins for someone to review, only reads:
  // untrusted files are warned about (a package build generates units from its source tree).
  const TrustMode trust =
      opt.command == "generate" && !opt.output.empty() ? TrustMode::kRequire : TrustMode::kReport;
  PolicyLoadOptions load;
  load.trust = trust;
  const LoadedPolicy loaded = opt.policy_files.empty() ? LoadPolicyTree(opt.root, load)
                                                       : LoadPolicyFiles(opt.policy_files, load);
  LintOptions lint;
  lint.systemd_version = opt.systemd_version >= 0 ? opt.systemd_version : DetectSystemdVersion();
  auto from_policy = PolicyFileCaps(loaded.policy);
  const std::string root = opt.root;
  // The policy's own files: entries first, then what is on disk (lint only reads).
  lint.file_caps = [from_policy, root](const std::string& path) -> std::optional<FileCaps> {
    if (auto fc = from_policy(path)) return fc;
    std::optional<FileCaps> found;
    Scan({RootedPath(root, path)}, {}, [&](const ScanRecord& r) {
      if (r.kind == ScanRecord::Kind::kCaps) found = r.caps.caps;
    });
    return found;
  };
  // The traps that need systemd's system call groups and the unit's own files.
  const SyscallGroups groups = SystemdSyscallGroups();
  lint.syscall_groups = &groups;
  SafeOpenOptions read_only;
  read_only.trust = TrustMode::kIgnore;  // unit files grant nothing: read, not trusted
  Result<SafeDir> unit_root = OpenRoot(RealSys(), opt.root, read_only);
  lint.unit_assignments = [&unit_root](const std::string& unit) {
    std::vector<UnitAssignment> out;
    if (!unit_root.ok()) return out;
    if (Result<UnitFiles> f = LoadUnitFiles(RealSys(), *unit_root, unit); f.ok()) {
      out = std::move(f->assignments);
    }
    return out;
  };

  // The output directory must be root's: a drop-in grants its service capabilities.
  std::optional<SafeDir> output;
  if (!opt.output.empty()) {
    Result<SafeDir> dir = OpenDropInDirectory(opt.output);
    if (!dir.ok()) {
      PrintError("--output: " + dir.status().message());
      return kExitFailure;
    }
    output = std::move(dir).value();
  }
  std::vector<PlannedService> plans = PlanServices(loaded.policy, dirs, lint, opt.services, trust);
  for (const auto& name : opt.services) {
    if (std::none_of(plans.begin(), plans.end(),
                     [&](const PlannedService& p) { return p.service->name == name; })) {
      PrintError("unit: no service '" + name + "' in the policy");
      return kExitFailure;
    }
  }

  std::vector<Diagnostic> all = loaded.diagnostics;
  bool failed = !loaded.ok();
  nlohmann::json units = nlohmann::json::array();
  for (const auto& p : plans) {
    all.insert(all.end(), p.findings.begin(), p.findings.end());
    if (!p.ok()) failed = true;
    if (opt.command != "generate") {
      units.push_back({{"service", p.service->name},
                       {"ok", p.ok()},
                       {"findings", DiagnosticsJson(p.findings)}});
      continue;
    }
    if (!p.ok()) {
      units.push_back({{"service", p.service->name},
                       {"refused", true},
                       {"findings", DiagnosticsJson(p.findings)}});
      continue;
    }
    Result<std::string> rendered = RenderDropIn(*p.service, p.tmpl.get());
    if (!rendered.ok()) {
      PrintError(rendered.status().message());
      failed = true;
      units.push_back({{"service", p.service->name},
                       {"refused", true},
                       {"error", rendered.status().message()},
                       {"findings", DiagnosticsJson(p.findings)}});
      continue;
    }
    const std::string& text = *rendered;
    if (output) {
      Status st = WriteDropIn(*output, p.service->name, text);
      if (!st.ok()) {
        PrintError(st.message());
        failed = true;
      }
    } else if (!opt.json) {
      std::printf("# %s.d/%s\n%s\n", p.service->name.c_str(), kDropInName, text.c_str());
    }
    units.push_back({{"service", p.service->name},
                     {"refused", false},
                     {"drop_in", text},
                     {"findings", DiagnosticsJson(p.findings)}});
  }
  if (opt.json) {
    const nlohmann::json doc = {{"ok", !failed},
                                {"units", units},
                                {"policy_diagnostics", DiagnosticsJson(loaded.diagnostics)}};
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    std::fflush(stdout);
    PrintDiagnostics(all);
    if (opt.command == "lint" && !failed) {
      std::printf("%zu service(s) checked, no errors\n", plans.size());
    }
  }
  return failed ? kExitFailure : kExitOk;
}

enum { kRoot = 256, kPolicy, kTemplates, kOutput, kDir, kVersion, kJson };

}  // namespace

const option kUnitOptions[] = {{"root", required_argument, nullptr, kRoot},
                               {"policy", required_argument, nullptr, kPolicy},
                               {"templates", required_argument, nullptr, kTemplates},
                               {"output", required_argument, nullptr, kOutput},
                               {"dir", required_argument, nullptr, kDir},
                               {"systemd-version", required_argument, nullptr, kVersion},
                               {"json", no_argument, nullptr, kJson},
                               {"help", no_argument, nullptr, 'h'},
                               {nullptr, 0, nullptr, 0}};

int RunUnit(int argc, char** argv) {
  UnitOptions opt;
  opt.command = argv[0];
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kUnitOptions, nullptr)) != -1;) {
    switch (c) {
      case kRoot:
        opt.root = optarg;
        break;
      case kPolicy:
        opt.policy_files.push_back(optarg);
        break;
      case kTemplates:
        opt.templates = optarg;
        break;
      case kOutput:
        opt.output = optarg;
        break;
      case kDir:
        opt.dir = optarg;
        break;
      case kJson:
        opt.json = true;
        break;
      case kVersion: {
        char* end = nullptr;
        const long v = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v < 0 || v > 100000) {
          PrintError(std::string("--systemd-version: expected a number, got '") + optarg + "'");
          return kExitUsage;
        }
        opt.systemd_version = static_cast<int>(v);
        break;
      }
      case 'h':
        std::fputs(kUnitUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kUnitUsage, stderr);
        return kExitUsage;
    }
  }
  opt.services.assign(argv + optind, argv + argc);
  if (!RootExists(opt.root)) return kExitUsage;
  if (!opt.output.empty() && opt.command != "generate") {
    PrintError("unit: --output only goes with 'generate'");
    return kExitUsage;
  }
  if (!opt.templates.empty() && opt.command == "verify") {
    // The generator reads only the root's template directories: so does its verification.
    PrintError("unit verify: --templates does not go with 'verify' (the generator has none)");
    return kExitUsage;
  }
  if (!opt.dir.empty() && opt.command != "verify") {
    PrintError("unit: --dir only goes with 'verify'");
    return kExitUsage;
  }
  return Run(opt);
}

}  // namespace capset::capctl
