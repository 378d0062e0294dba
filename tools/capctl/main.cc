// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — capset's command-line tool. main() only dispatches to a subcommand.
#include <cstdio>
#include <cstring>
#include <new>

#include "cli.h"
#include "capset/config.h"

namespace capset::capctl {
namespace {

constexpr const char kUsage[] =
    "Usage: capctl COMMAND [ARGS...]\n"
    "\n"
    "Grant Linux capabilities instead of root or setuid-root.\n"
    "\n"
    "Commands:\n"
    "  get [-r] [-n] [-v] [--json] [--one-file-system] PATH...\n"
    "                 print file capabilities, exactly as getcap(8) does\n"
    "  set [-q] [-v] [-n ROOTID] [-f] [--dry-run] [--json] (CAPS|-|-r) FILE ...\n"
    "                 set, remove or verify file capabilities, like setcap(8), but\n"
    "                 through a descriptor after a symlink-free walk\n"
    "  policy check [--root DIR] [FILE...]\n"
    "                 validate the YAML policy (capset.policy(5))\n"
    "  policy apply|verify|diff [--root DIR] [--package NAME] [FILE...]\n"
    "                 the policy's files: capabilities, setuid, owner, mode\n"
    "  unit generate|lint|templates [--root DIR] [SERVICE...]\n"
    "                 systemd drop-ins from the policy's services, and their traps\n"
    "  login USER     explain what pam_capset.so would grant USER at login\n"
    "  audit [--root DIR] [--json] [--policy-out FILE] [DIR...]\n"
    "                 set-ID programs and file capabilities vs the policy, and what\n"
    "                 capabilities replace set-user-ID root\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help (or 'capctl COMMAND --help')\n"
    "  --version      show the version\n"
    "\n"
    "Exit status: 0 success; 1 a file failed, was refused or did not verify;\n"
    "2 invalid command line; 3 drift (policy verify/diff) or no rule (login).\n"
    "See capctl(1).\n";

int Main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const char* cmd = argv[1];
  if (!std::strcmp(cmd, "-h") || !std::strcmp(cmd, "--help") || !std::strcmp(cmd, "help")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (!std::strcmp(cmd, "--version")) {
    std::puts("capctl " CAPSET_VERSION);
    return kExitOk;
  }
  if (!std::strcmp(cmd, "get")) return RunGet(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "set")) return RunSet(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "policy")) return RunPolicy(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "unit")) return RunUnit(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "login")) return RunLogin(argc - 1, argv + 1);
  if (!std::strcmp(cmd, "audit")) return RunAudit(argc - 1, argv + 1);
  PrintError(std::string("unknown command '") + cmd + "' (try 'capctl --help')");
  return kExitUsage;
}

}  // namespace
}  // namespace capset::capctl

int main(int argc, char** argv) {
  try {
    return capset::capctl::Main(argc, argv);
  } catch (const std::bad_alloc&) {
    capset::capctl::PrintError("out of memory");
  } catch (const std::exception& e) {
    capset::capctl::PrintError(std::string("internal error: ") + e.what());
  } catch (...) {
    capset::capctl::PrintError("internal error");
  }
  return capset::capctl::kExitFailure;
}
