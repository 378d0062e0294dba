// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — reading and writing security.capability through an open descriptor.
//
// The only way the core changes a file's capabilities. Writes are a single fsetxattr or
// fremovexattr: the kernel replaces the attribute atomically, so a file is never left with
// half a capability. A write that would not change the stored bytes is skipped, so applying
// the same state twice changes nothing (not even ctime).
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <optional>
#include <string>

#include "capset/file_caps.h"
#include "capset/status.h"
#include "capset/sys_ops.h"
#include "capset/vfs_cap.h"

namespace capset {

/// The capabilities on the open file `fd`, or nullopt if it has none. A malformed value is
/// kCorrupt. `path` only names the file in error messages.
Result<std::optional<VfsCap>> ReadFileCaps(SysOps& sys, int fd, const std::string& path);

enum class WriteOutcome {
  kWritten,          ///< capabilities were set (or replaced)
  kUnchanged,        ///< the file already had exactly these bytes
  kRemoved,          ///< capabilities were removed
  kNothingToRemove,  ///< removal asked, the file had none (not an error here; callers decide)
};

/// Makes the file's capabilities `want` (nullopt = none). With `dry_run`, computes the
/// outcome without writing. Errors name `path`; an unsupported filesystem is kNotSupported.
/// After a write the value is read back: a write to the file in between makes the kernel drop
/// it, and that is an error (kIoError), not a success.
Result<WriteOutcome> WriteFileCaps(SysOps& sys, int fd, const std::string& path,
                                   const std::optional<FileCaps>& want, bool dry_run);

/// Writes `caps` to the file, with nothing read before or after: for a caller that read the
/// file's state itself just now and reads it back afterwards (capctl policy apply, which
/// compares everything it wants of the file once the last change is made). Errors as
/// WriteFileCaps's.
Status SetFileCaps(SysOps& sys, int fd, const std::string& path, const FileCaps& caps);

/// Why a capability cannot be written to `fd` at all, checked before anything is written (so
/// that capctl set changes all its files or none): the filesystem has no security.capability
/// (kNotSupported), or the file is immutable or append-only (chattr +i, +a: kPermissionDenied,
/// saying so). Ok otherwise; other failures can only be seen by writing.
Status CheckCapsWritable(SysOps& sys, int fd, const std::string& path);

}  // namespace capset
