// SPDX-License-Identifier: LGPL-2.1-or-later
// The kernel's system.posix_acl_access bytes for a list of entries, for tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace capset::testing {

struct AclEntry {
  uint16_t tag;  ///< 1 user_obj, 2 user, 4 group_obj, 8 group, 0x10 mask, 0x20 other
  uint16_t perm;
  uint32_t id = 0xffffffff;
};

inline std::string AclBytes(std::initializer_list<AclEntry> entries, uint32_t version = 2) {
  std::string out;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(version, 4);
  for (const auto& e : entries) put(e.tag, 2), put(e.perm, 2), put(e.id, 4);
  return out;
}

/// A 0755-style ACL (rwx, r-x, r-x) with one more entry and a mask.
inline std::string AclWithEntry(uint16_t tag, uint32_t id, uint16_t perm, uint16_t mask = 7) {
  return AclBytes({{1, 7}, {tag, perm, id}, {4, 5}, {0x10, mask}, {0x20, 5}});
}

}  // namespace capset::testing
