// capset — opening a file for a capability write without following any symlink.
//
// SECURITY: libcap's cap_set_file(path) resolves the path when it writes; a user who can
// change any component in between can redirect the write to another file (CVE-2026-4878).
// OpenRegularFileNoFollow walks the path one component at a time with
// openat(O_PATH|O_NOFOLLOW) from "/", so no symbolic link is followed anywhere, checks every
// directory it passes and the file itself, and hands back a descriptor: all later reads and
// writes go through that descriptor, never through the path again.
//
// Trust rule (when `require_trusted`): a directory or the file is refused if anyone but root
// could change it — owner not root, group-writable by a non-root group, or world-writable
// (sticky or not). In a user namespace, owners that are not mapped (the overflow uid/gid)
// count as root: nobody inside the namespace can act as them.
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <vector>

#include "capset/fd.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

struct SafeOpenOptions {
  /// Refuse the file and every directory above it when a non-root user could change them.
  bool require_trusted = true;
  /// Accept a file with more than one hard link (with a warning): another name for the same
  /// inode, possibly in a directory a user controls, would carry the capability too.
  bool allow_hardlinks = false;
};

struct SafeFile {
  Fd fd;              ///< read-only descriptor of the regular file (not O_PATH)
  struct stat st {};  ///< its fstat at open time
  std::string path;   ///< the path as given
  std::vector<std::string> warnings;
};

/// Opens `path` (absolute, or relative to the working directory) as described above.
/// Errors: kNotFound, kUnsafe (symlink, not a regular file, untrusted, hard links),
/// kPermissionDenied, kIoError; the message names the offending component.
Result<SafeFile> OpenRegularFileNoFollow(SysOps& sys, const std::string& path,
                                         const SafeOpenOptions& options);

/// A directory opened (O_PATH) and checked by the same walk, so that many files in it can be
/// opened without walking to it again (capctl policy apply: a package's files share /usr/bin).
/// Only root can change a trusted directory, so holding it open is as safe as walking again.
struct SafeDir {
  Fd fd;
  std::string path;  ///< as given
};

/// Walks to the directory `path` (absolute) as OpenRegularFileNoFollow walks to a file's
/// directory, with the same checks on every directory including `path` itself.
Result<SafeDir> OpenDirectoryNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options);

/// Opens `name` (one component, no '/') in `dir` with the file checks of
/// OpenRegularFileNoFollow; `path` is the file's full path, for messages.
Result<SafeFile> OpenRegularFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                   const std::string& path, const SafeOpenOptions& options);

/// Why `st` (of `what`) is not trusted, or nullopt if only root can change it.
std::optional<std::string> UntrustedReason(SysOps& sys, const struct stat& st);

}  // namespace capset
