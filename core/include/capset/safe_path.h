// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — opening what capset reads authority from or writes privilege to, without following
// any symlink and without leaving the root it was given.
//
// SECURITY: libcap's cap_set_file(path) resolves the path when it writes; a user who can
// change any component in between can redirect the write to another file (CVE-2026-4878).
// These functions walk a path one component at a time, each opened with O_PATH relative to
// the directory before it, check every directory they pass and the file itself against the
// trust rule (trust.h), and hand back a descriptor: all later reads and writes go through
// that descriptor, never through the path again.
//
// Containment: below a root (`--root IMG`, an image being built), every component is opened
// with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), so the kernel
// itself refuses what would leave the root, and ".." is refused before it gets there: a path
// from a policy or from the record can never name a file outside the image. The root itself
// (and the path to it) comes from the administrator's command line; it is walked from "/"
// without following symlinks, ".." taken lexically, and checked like any other directory.
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "capset/fd.h"
#include "capset/status.h"
#include "capset/sys_ops.h"
#include "capset/trust.h"

namespace capset {

enum class TrustMode {
  kRequire,  ///< refuse what a user other than root could change (kUnsafe)
  kReport,   ///< open it anyway, and say why it is not trusted in `untrusted`
  kIgnore,   ///< do not look (reading what is not acted upon, e.g. capctl set -v)
};

struct SafeOpenOptions {
  TrustMode trust = TrustMode::kRequire;
  /// Who besides root may own the last component walked (the file, or the directory that is
  /// opened); every directory above it must be root's.
  TrustRule rule;
  /// Accept a file with more than one hard link (with a warning): another name for the same
  /// inode, possibly in a directory a user controls, would carry the capability too.
  bool allow_hardlinks = false;
  /// In a directory only root can change (SafeDir::root_only): take the last component's type
  /// from fstatat(2) and open it read-only and non-blocking directly, instead of O_PATH,
  /// fstat and a reopen through /proc (two system calls and a close fewer per file, for an
  /// apply's thousands). Only root can make the name stand for something else between the
  /// two, and the inode opened is compared with the one stat'ed.
  bool stat_then_open = false;
};

struct SafeFile {
  Fd fd;              ///< read-only descriptor of the regular file (not O_PATH)
  struct stat st {};  ///< its fstat at open time
  std::string path;   ///< the path as shown in messages
  std::vector<std::string> warnings;
  std::optional<std::string> untrusted;  ///< TrustMode::kReport: the first reason
  std::optional<std::string> acl;        ///< its system.posix_acl_access, when trust was checked
};

/// A directory opened (O_PATH) and checked by the walk, so that many files in it can be
/// opened without walking to it again (capctl policy apply: a package's files share /usr/bin).
/// Only root can change a trusted directory, so holding it open is as safe as walking again.
struct SafeDir {
  Fd fd;
  std::string path;  ///< as shown in messages ("/" for the root of the running system)
  std::optional<std::string> untrusted;
  /// Only root can change it or any directory above it: every one was walked with the trust
  /// rule required and no rule.also_owner, and is uid 0's with no group or other write bit
  /// (not group 0's members, nor an unmapped owner in a user namespace, as the rule allows).
  bool root_only = false;
};

/// Opens the directory `root` (absolute, or relative to the working directory; ".."
/// resolved lexically) from "/", checking it and every directory above it.
/// Errors: kNotFound ("root directory ... does not exist"), kUnsafe, kPermissionDenied,
/// kIoError.
Result<SafeDir> OpenRoot(SysOps& sys, const std::string& root, const SafeOpenOptions& options);

/// Walks to the directory `path` ("/etc/capset/policy.d": absolute within `base`) below
/// `base`, contained by the kernel; "/" is `base` itself. ".." is kInvalidArgument.
Result<SafeDir> OpenDirectoryBelow(SysOps& sys, const SafeDir& base, const std::string& path,
                                   const SafeOpenOptions& options);

/// Opens the regular file `path` (absolute within `base`) below `base`, as above.
/// Errors: kNotFound, kInvalidArgument (".."), kUnsafe (symlink, not a regular file,
/// untrusted, hard links), kPermissionDenied, kIoError; the message names the component.
Result<SafeFile> OpenRegularFileBelow(SysOps& sys, const SafeDir& base, const std::string& path,
                                      const SafeOpenOptions& options);

/// Opens `name` (one component, no '/') in `dir` with the file checks; `shown` is the file's
/// full path, for messages.
Result<SafeFile> OpenRegularFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                   const std::string& shown, const SafeOpenOptions& options);

/// The running system: `path` (absolute, or relative to the working directory; ".."
/// resolved lexically, never above "/") walked from "/" and checked; OpenRoot is this, with
/// a missing directory reported as a missing root.
Result<SafeFile> OpenRegularFileNoFollow(SysOps& sys, const std::string& path,
                                         const SafeOpenOptions& options);
Result<SafeDir> OpenDirectoryNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options);

/// The directory holding `path` on the running system, walked and checked as
/// OpenRegularFileNoFollow walks it (refusals name `path`), and the last component.
struct SafeParent {
  SafeDir dir;
  std::string name;
};
Result<SafeParent> OpenParentNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options);

/// The components of `path` below a root: "." and empty ones dropped; ".." is an error
/// naming `path` (no path below a root may climb out of it).
Result<std::vector<std::string>> PathBelowRoot(const std::string& path);

}  // namespace capset
