// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — finding and loading the layered policy directories.
//
// Files are ROOT/{etc,run,usr/lib}/capset/policy.d/*.yaml. As with systemd units, a file name
// in /etc hides the same name in /run and /usr/lib, and /run hides /usr/lib; a file that is
// empty or a symlink to /dev/null masks the name. The surviving files are read in file-name
// order. A file with any error is skipped whole (and reported), so one broken package file
// never takes the others down; an entry that repeats one from an earlier file is an error too.
//
// SECURITY: every directory and file is read through trusted_file.h: the root, the policy
// directories and the files must pass the trust rule (an untrusted file is an error and
// grants nothing), paths are resolved inside the root by the kernel, symbolic links other
// than masks are refused, and each file is one consistent snapshot.
// Thread-safety: reentrant.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "capset/policy.h"
#include "capset/safe_path.h"
#include "capset/stat_watch.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

/// `path` (absolute) inside the system image at `root`, for messages: "/" and "" mean the
/// running system, and one trailing '/' of root is ignored ("/img/" + "/usr" = "/img/usr").
std::string RootedPath(const std::string& root, const std::string& path);

/// The policy directories below a root, highest priority first.
std::vector<std::string> PolicyDirectories();

struct PolicyLoadOptions {
  /// kRequire for everything that acts on the policy; kReport for linters (capctl policy
  /// check, capctl unit lint), which then warn about files that would be refused.
  TrustMode trust = TrustMode::kRequire;
  /// Read and parse the files on every CPU. False inside pam_capset.so: the module starts no
  /// threads inside the login program.
  bool parallel = true;
  /// What-if (capctl policy diff --stage/--unstage, for a configuration engine's check mode):
  /// the administrator's policy file NAME (in the first of the layered directories) read from
  /// the path given instead (a file of the running system, read by the same trust rule), or,
  /// for an empty path, taken as removed (a same-named file below it then shows through).
  std::map<std::string, std::string> staged;
};

struct LoadedPolicy {
  Policy policy;                        ///< the merged good files
  std::vector<Diagnostic> diagnostics;  ///< every problem, with file:line:column
  std::vector<std::string> skipped;     ///< files left out because of errors
  /// Files (as in policy.sources) whose status changed less than kSettleSeconds before they
  /// were read: they may be being written, so nothing is taken as removed from them yet.
  std::vector<std::string> unsettled;
  bool ok() const;  ///< no error at all
};

/// Loads the layered directories under `root` ("/" for the running system). A root that does
/// not exist, or any directory or file that fails the trust rule, is an error diagnostic.
LoadedPolicy LoadPolicyTree(SysOps& sys, const std::string& root,
                            const PolicyLoadOptions& options = {});
LoadedPolicy LoadPolicyTree(const std::string& root, const PolicyLoadOptions& options = {});

/// Loads exactly these files (of the running system), in this order (capctl ... FILE...).
LoadedPolicy LoadPolicyFiles(SysOps& sys, const std::vector<std::string>& paths,
                             const PolicyLoadOptions& options = {});
LoadedPolicy LoadPolicyFiles(const std::vector<std::string>& paths,
                             const PolicyLoadOptions& options = {});

/// What LoadPolicyTree(root) depends on, to be taken before it loads: the status of every
/// directory from "/" to the root and from it to each policy directory, and of every entry in
/// them (stat_watch.h). While it holds, a policy loaded after it is the policy.
StatWatch PolicyTreeWatch(SysOps& sys, const std::string& root);

/// Files larger than this are refused (a policy is a few kilobytes).
inline constexpr size_t kMaxPolicyFileSize = 4 << 20;

}  // namespace capset
