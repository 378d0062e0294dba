// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the trust rule: the one definition of "nobody but root could change this".
//
// Applied to every file capset takes authority from (capability.conf, policy files and their
// directories, unit templates, the record of applied files) and to every file it writes
// privilege to, and to each directory above them: write access to a directory lets its owner
// rename or replace what is in it. A file or directory is trusted only if
//   - its owner is root (or the one user `TrustRule::also_owner` names: the component's own,
//     documented user, e.g. capsetd for its state directory),
//   - it is not group-writable by a non-root group, and not world-writable (sticky or not),
//   - no entry of its POSIX access ACL (system.posix_acl_access), after the ACL's mask, lets a
//     user or group other than root write to it,
// and an ACL that cannot be read or decoded makes it untrusted (fail closed). In a user
// namespace, owners that are not mapped (the overflow uid/gid) count as root: nobody inside
// can act as them. A default ACL (system.posix_acl_default) only shapes files created later,
// by whoever may write to the directory, and those files are judged by their own ACL.
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <optional>
#include <string>

#include "capset/sys_ops.h"

namespace capset {

struct TrustRule {
  /// Besides root, this user may own the file or directory (and so write to it).
  std::optional<uid_t> also_owner;
};

/// Whether an access ACL could let someone other than the owner write a file of `st`'s mode.
/// Its named users, named groups and owning group are limited by its mask, which is the mode's
/// group bits (the kernel keeps them equal on chmod(2) and on setting an ACL, and refuses a
/// malformed ACL), and its other entry is the mode's other bits. Where it could not, the file as
/// it is is judged without reading its ACL.
bool AclCouldGrantWrite(const struct stat& st);

/// Why `fd` (whose fstat is `st`; O_PATH is fine) is not trusted, e.g. "is writable by user
/// 4242 through its POSIX ACL", or nullopt when only root (or rule.also_owner) can change it.
/// Reads the ACL only where AclCouldGrantWrite.
std::optional<std::string> UntrustedReason(SysOps& sys, int fd, const struct stat& st,
                                           const TrustRule& rule = {});

/// UntrustedReason, and the ACL it read (nullopt: none), for a caller that also judges a state
/// the file is to be given (UntrustedStateReason) without reading it again.
struct TrustJudgement {
  std::optional<std::string> untrusted;
  std::optional<std::string> acl;
};
TrustJudgement JudgeTrust(SysOps& sys, int fd, const struct stat& st, const TrustRule& rule = {});

/// The same judgement of a state a file is about to be given: owner, group and mode from
/// `st`, and `acl` the access ACL it has (as SysOps::GetAclXattr read it). A chmod(2) sets an
/// ACL's mask from the group bits, so the mask is taken from `st`'s mode.
std::optional<std::string> UntrustedStateReason(SysOps& sys, const struct stat& st,
                                                const std::optional<std::string>& acl,
                                                const TrustRule& rule = {});

}  // namespace capset
