// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl's verbs, in the order its help lists them. Each verb's own --help (in its cmd_*.cc)
// documents its options; capctl(1) documents everything.
#include "capset/config.h"
#include "cli.h"
#include "verbs.h"

namespace capset::capctl {
namespace {

int RunPolicyGroup(int argc, char** argv) { return DispatchVerb(PolicyVerbs(), argc, argv); }
int RunUnitGroup(int argc, char** argv) { return DispatchVerb(UnitVerbs(), argc, argv); }

const Verb kCapctl[] = {
    {"get", RunGet, "[-r] [-n] [-v] [--json] [--one-file-system] PATH...",
     "print file capabilities, exactly as getcap(8) does", kGetOptions},
    {"set", RunSet, "[-q] [-v] [-n ROOTID] [-f] [--dry-run] [--json] (CAPS|-|-r) FILE ...",
     "set, remove or verify file capabilities, like setcap(8), but\n"
     "through a descriptor after a symlink-free walk",
     kSetOptions},
    {"policy", RunPolicyGroup, "check|apply|verify|diff [--root DIR] [FILE...]",
     "validate the YAML policy (capset.policy(5)), and apply, verify\n"
     "or diff its files: capabilities, setuid, owner, mode",
     nullptr},
    {"unit", RunUnitGroup, "generate|lint|verify|templates [--root DIR] [SERVICE...]",
     "systemd drop-ins from the policy's services, and their traps", nullptr},
    {"login", RunLogin, "[--config FILE] [--no-policy] [--root DIR] [--json] USER",
     "explain what pam_capset.so would grant USER at login", kLoginOptions},
    {"audit", RunAudit, "[--root DIR] [--json] [--policy-out FILE] [--known|--services] [ARG...]",
     "set-ID programs and file capabilities vs the policy, and what\n"
     "capabilities replace set-user-ID root; --services: each service's\n"
     "root, capabilities, ports and exposure, and the entry that cuts them",
     kAuditOptions},
    {"profile", RunProfile, "[OPTIONS] (-- COMMAND...|--pid PID|--unit NAME.service|merge FILE...)",
     "which capabilities a command or a service needs: traced (eBPF),\n"
     "proven by running again, and the policy that grants them",
     kProfileOptions},
};

const Verb kPolicy[] = {
    {"check", RunPolicyCheck, "[--root DIR] [--json] [FILE...]",
     "validate policy files: each problem as FILE:LINE:COLUMN", kPolicyCheckOptions},
    {"apply", RunPolicyFiles, "[--root DIR] [--package NAME] [--dry-run] [--json] [FILE...]",
     "apply the files: section (capabilities, no setuid, owner, mode)", kPolicyApplyOptions},
    {"verify", RunPolicyFiles, "[--root DIR] [--package NAME] [--json] [FILE...]",
     "report drift from the files: section (exit 3)", kPolicyVerifyOptions},
    {"diff", RunPolicyFiles, "[--root DIR] [--package NAME] [--json] [FILE...]",
     "show the drift as have/want lines (exit 3)", kPolicyVerifyOptions},
};

const Verb kUnit[] = {
    {"generate", RunUnit, "[--root DIR] [--policy FILE] [--output DIR] [SERVICE...]",
     "print or write each service's drop-in; lint errors refuse it", kUnitOptions},
    {"lint", RunUnit, "[--root DIR] [--policy FILE] [--systemd-version N] [SERVICE...]",
     "check services for the capability traps", kUnitOptions},
    {"verify", RunUnit, "[--root DIR] [--policy FILE] [--dir DIR] [--json] [SERVICE...]",
     "compare the drop-ins systemd reads with the policy's (exit 3)", kUnitOptions},
    {"templates", RunUnit, "[--root DIR] [--templates DIR] [--json]",
     "list the hardening templates, their description and exposure", kUnitOptions},
};

const VerbGroup kCapctlGroup = {
    "capctl",
    "Grant Linux capabilities instead of root or setuid-root.",
    kCapctl,
    "Options:\n"
    "  -h, --help     show this help (or 'capctl COMMAND --help')\n"
    "  --version      show the version\n"
    "\n"
    "Exit status: 0 success; 1 a file failed, was refused or did not verify;\n"
    "2 invalid command line; 3 drift (policy verify/diff, unit verify) or no rule (login).\n"
    "See capctl(1).\n",
};

const VerbGroup kPolicyGroup = {
    "capctl policy",
    "The YAML policy (capset.policy(5)). Without FILE, every command reads the layered\n"
    "directories ROOT" CAPSET_SYSCONF_DIR "/policy.d, ROOT" CAPSET_RUNTIME_DIR
    "/policy.d and\n"
    "ROOT" CAPSET_PKGLIB_DIR "/policy.d, as every component reads them.",
    kPolicy,
    "'capctl policy COMMAND --help' shows a command's options. See capctl(1).\n",
};

const VerbGroup kUnitGroup = {
    "capctl unit",
    "systemd drop-ins (NAME.service.d/50-capset.conf) from the policy's services: section.",
    kUnit,
    "'capctl unit COMMAND --help' shows the options. See capctl(1).\n",
};

}  // namespace

const VerbGroup& CapctlVerbs() { return kCapctlGroup; }
const VerbGroup& PolicyVerbs() { return kPolicyGroup; }
const VerbGroup& UnitVerbs() { return kUnitGroup; }

}  // namespace capset::capctl
