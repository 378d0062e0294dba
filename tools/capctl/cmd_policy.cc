// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl policy check — validate policy files (capset.policy(5)).
#include <getopt.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "capset/ipc/json_text.h"
#include "capset/policy_loader.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

constexpr const char kPolicyUsage[] =
    "Usage: capctl policy check [--root DIR] [--json] [FILE...]\n"
    "\n"
    "Validate capset policy files (see capset.policy(5)). Without FILE, check the layered\n"
    "directories ROOT/etc, ROOT/run and ROOT/usr/lib capset/policy.d/*.yaml as every\n"
    "component reads them. Each problem is printed as FILE:LINE:COLUMN: error: MESSAGE.\n"
    "\n"
    "  --root DIR   read the policy of the system image at DIR (default /)\n"
    "  --json       print {\"ok\", \"files\", \"diagnostics\": [...]}\n"
    "  -h, --help   show this help\n"
    "\n"
    "Exit status: 0 valid; 1 errors found; 2 usage error.\n";

enum { kRoot = 256, kJson };

}  // namespace

const option kPolicyCheckOptions[] = {{"root", required_argument, nullptr, kRoot},
                                      {"json", no_argument, nullptr, kJson},
                                      {"help", no_argument, nullptr, 'h'},
                                      {nullptr, 0, nullptr, 0}};

int RunPolicyCheck(int argc, char** argv) {
  std::string root = "/";
  bool json = false;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kPolicyCheckOptions, nullptr)) != -1;) {
    if (c == kRoot) {
      root = optarg;
    } else if (c == kJson) {
      json = true;
    } else if (c == 'h') {
      std::fputs(kPolicyUsage, stdout);
      return kExitOk;
    } else {
      std::fputs(kPolicyUsage, stderr);
      return kExitUsage;
    }
  }
  const std::vector<std::string> files(argv + optind, argv + argc);
  if (!RootExists(root)) return kExitUsage;
  // A linter: files that would be refused (untrusted) are read, with a warning saying so.
  PolicyLoadOptions lint;
  lint.trust = TrustMode::kReport;
  const LoadedPolicy loaded =
      files.empty() ? LoadPolicyTree(root, lint) : LoadPolicyFiles(files, lint);
  if (json) {
    const nlohmann::json doc = {{"ok", loaded.ok()},
                                {"files", loaded.policy.sources},
                                {"skipped", loaded.skipped},
                                {"diagnostics", DiagnosticsJson(loaded.diagnostics)}};
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    PrintDiagnostics(loaded.diagnostics);
    if (loaded.ok()) {
      std::printf(
          "%zu file(s) valid: %zu file entries, %zu services, %zu user rules, "
          "%zu capsetd rules\n",
          loaded.policy.sources.size(), loaded.policy.files.size(), loaded.policy.services.size(),
          loaded.policy.users.size(), loaded.policy.capsetd_allow.size());
    }
  }
  return loaded.ok() ? kExitOk : kExitFailure;
}

}  // namespace capset::capctl
