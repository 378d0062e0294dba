// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the kernel's binary form of a POSIX access ACL (the system.posix_acl_access
// xattr), decoded without libacl: a little-endian u32 version (2), then 8-byte entries
// {u16 tag, u16 perm, u32 id}. Only what the trust rule needs: who, besides the owner, the
// ACL lets write.
// Thread-safety: pure functions.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "capset/status.h"

namespace capset {

/// One entry that grants write access, after the ACL's mask is applied.
struct AclWriter {
  enum class Kind { kOwningGroup, kUser, kGroup, kOther };
  Kind kind;
  uint32_t id = 0;  ///< the uid (kUser) or gid (kGroup); 0 otherwise
};

/// Every entry other than the owner's that lets its subject write. Named users, named groups
/// and the owning group are limited by the mask entry (acl(5)), or by `group_class` when
/// given: the permission bits a chmod(2) to a new mode makes the mask (its group bits);
/// "other" is not. Errors: kCorrupt for anything that is not a well-formed version-2 ACL.
Result<std::vector<AclWriter>> AclWriters(std::string_view xattr,
                                          std::optional<uint16_t> group_class = std::nullopt);

}  // namespace capset
