// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — what the subcommands share: exit codes, diagnostics, and the verbs' handlers and
// long options (the table is verb_table.cc).
#pragma once

#include <getopt.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "capset/printable.h"
#include "capset/status.h"
#include "capset/unit_settings.h"

namespace capset::capctl {

/// Every exit code of capctl (documented in capctl --help and capctl(1)).
enum ExitCode : int {
  kExitOk = 0,       ///< everything asked for was done (or verified)
  kExitFailure = 1,  ///< some file failed, was refused, or did not verify
  kExitUsage = 2,    ///< invalid command line or capability text; nothing was changed
  kExitDrift = 3,    ///< policy verify/diff: the files differ from the policy
  kExitNoRule = 3,   ///< login: no rule matches the user (nothing is changed at login)
  kExitAbove = 3,    ///< audit --services --fail-above: a service's exposure is above it
};

/// "capctl: <message>" on stderr, its control characters escaped (printable.h): a message
/// holds file names, and one line of it must stay one line.
void PrintError(const std::string& message);
/// "capctl: warning: <message>" on stderr.
void PrintWarning(const std::string& message);
/// "capctl: note: <message>" on stderr.
void PrintNote(const std::string& message);

/// Whether `root` (a --root argument) names a directory that exists; otherwise says why
/// ("capctl: --root: ...") and the command exits kExitUsage. Its trust is the command's to
/// judge (policies and files below an untrusted root are refused where they are read).
bool RootExists(const std::string& root);

/// Writes `text` to the file `path` that capctl was asked to create (--policy-out): never
/// through a symbolic link (O_NOFOLLOW), never into a FIFO or device (it must be a regular
/// file), replacing what it held.
Status WriteOutputFile(const std::string& path, const std::string& text);

/// systemd's system call groups, from the systemd-analyze installed here (empty if it cannot
/// say: the checks that need them are then skipped, and say so).
SyscallGroups SystemdSyscallGroups();

/// Makes stdout fully buffered when it is not a terminal (large listings).
void BufferStdout();

/// `value`, moved into storage that lives until the process exits and is never freed: a verb
/// that ends holding a large result (an apply's 10,000 entries, their results and report)
/// returns without taking it apart piece by piece, which was a tenth of its time; the kernel
/// takes the memory back at exit. Reachable from a static pointer, so LeakSanitizer does not
/// count it as lost. Only for values whose destructors release nothing but memory and
/// descriptors; not thread-safe (capctl calls it from its main thread).
template <typename T>
std::decay_t<T>& KeepUntilExit(T&& value) {
  static auto* kept = new std::vector<std::shared_ptr<void>>();
  auto held = std::make_shared<std::decay_t<T>>(std::forward<T>(value));
  kept->push_back(held);
  return *held;
}

// The verbs (argv[0] is the verb's name) and their long options ({nullptr,...}-terminated).
int RunGet(int argc, char** argv);
extern const option kGetOptions[];
int RunSet(int argc, char** argv);
extern const option kSetOptions[];  ///< documentation only: set parses setcap's grammar itself
int RunPolicyCheck(int argc, char** argv);
extern const option kPolicyCheckOptions[];
/// policy apply | verify | diff.
int RunPolicyFiles(int argc, char** argv);
extern const option kPolicyApplyOptions[];
extern const option* const kPolicyVerifyOptions;  ///< verify and diff
/// unit generate | lint | templates.
int RunUnit(int argc, char** argv);
extern const option kUnitOptions[];
/// capctl unit verify (cmd_unit_verify.cc), after RunUnit has read the options.
struct UnitVerifyRequest {
  std::string root = "/";
  std::vector<std::string> policy_files;
  std::string dir;  ///< the drop-ins' directory; empty: ROOT/run/systemd/generator
  bool json = false;
  std::vector<std::string> services;
};
int RunUnitVerify(const UnitVerifyRequest& request);
int RunLogin(int argc, char** argv);
extern const option kLoginOptions[];
int RunAudit(int argc, char** argv);
/// capctl audit --services (cmd_audit_services.cc), after RunAudit has read the options.
struct ServiceAuditOptions {
  std::string root = "/";
  bool offline = false;  ///< --root given: unit files, not the running manager
  bool json = false;
  std::string policy_out;
  std::string templates;  ///< --templates DIR: looked in first
  int fail_above = -1;    ///< tenths (0..100); -1: not given
  std::vector<std::string> units;
};
int RunServiceAudit(const ServiceAuditOptions& options);
extern const option kAuditOptions[];
int RunProfile(int argc, char** argv);
extern const option kProfileOptions[];

}  // namespace capset::capctl
