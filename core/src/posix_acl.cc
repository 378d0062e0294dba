// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/posix_acl.h"

#include <cstring>
#include <optional>

namespace capset {
namespace {

// include/uapi/linux/posix_acl_xattr.h and include/uapi/linux/posix_acl.h.
constexpr uint32_t kAclVersion = 2;
constexpr uint16_t kUserObj = 0x01, kUser = 0x02, kGroupObj = 0x04, kGroup = 0x08, kMask = 0x10,
                   kOther = 0x20;
constexpr uint16_t kWrite = 0x02;
constexpr size_t kHeader = 4, kEntry = 8;

uint32_t Le32(const unsigned char* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}
uint16_t Le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

Result<std::vector<AclWriter>> AclWriters(std::string_view xattr,
                                          std::optional<uint16_t> group_class) {
  auto corrupt = [](const std::string& why) {
    return Status(Code::kCorrupt, "malformed POSIX ACL (" + why + ")");
  };
  const auto* p = reinterpret_cast<const unsigned char*>(xattr.data());
  if (xattr.size() < kHeader || (xattr.size() - kHeader) % kEntry != 0) {
    return corrupt(std::to_string(xattr.size()) + " bytes");
  }
  if (Le32(p) != kAclVersion) return corrupt("version " + std::to_string(Le32(p)));
  struct Entry {
    uint16_t tag, perm;
    uint32_t id;
  };
  std::vector<Entry> entries;
  std::optional<uint16_t> mask;
  for (size_t off = kHeader; off < xattr.size(); off += kEntry) {
    const Entry e{Le16(p + off), Le16(p + off + 2), Le32(p + off + 4)};
    switch (e.tag) {
      case kUserObj:
      case kUser:
      case kGroupObj:
      case kGroup:
      case kOther:
        break;
      case kMask:
        if (mask) return corrupt("two mask entries");
        mask = e.perm;
        break;
      default:
        return corrupt("unknown tag " + std::to_string(e.tag));
    }
    entries.push_back(e);
  }
  std::vector<AclWriter> out;
  for (const Entry& e : entries) {
    const bool masked = e.tag == kUser || e.tag == kGroup || e.tag == kGroupObj;
    // A chmod(2) sets the mask (or, without one, the owning group's entry) to the new group
    // bits: for a state about to be given, those limit the group class.
    const std::optional<uint16_t> limit = group_class ? group_class : mask;
    const uint16_t effective = masked && limit ? (e.perm & *limit) : e.perm;
    if (!(effective & kWrite)) continue;
    switch (e.tag) {
      case kUser:
        out.push_back({AclWriter::Kind::kUser, e.id});
        break;
      case kGroup:
        out.push_back({AclWriter::Kind::kGroup, e.id});
        break;
      case kGroupObj:
        out.push_back({AclWriter::Kind::kOwningGroup, 0});
        break;
      case kOther:
        out.push_back({AclWriter::Kind::kOther, 0});
        break;
      default:  // the owner: judged by who the owner is
        break;
    }
  }
  return out;
}

}  // namespace capset
