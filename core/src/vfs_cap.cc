// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/vfs_cap.h"

#include <string>

namespace capset {
namespace {

constexpr uint32_t kRevisionMask = 0xFF000000;
constexpr uint32_t kRevision1 = 0x01000000;
constexpr uint32_t kRevision2 = 0x02000000;
constexpr uint32_t kRevision3 = 0x03000000;
constexpr uint32_t kFlagEffective = 0x000001;
constexpr size_t kSize1 = 12, kSize2 = 20, kSize3 = 24;

uint32_t Le32(std::span<const uint8_t> raw, size_t offset) {
  return static_cast<uint32_t>(raw[offset]) | static_cast<uint32_t>(raw[offset + 1]) << 8 |
         static_cast<uint32_t>(raw[offset + 2]) << 16 |
         static_cast<uint32_t>(raw[offset + 3]) << 24;
}

void PutLe32(uint8_t* out, uint32_t v) {
  out[0] = static_cast<uint8_t>(v);
  out[1] = static_cast<uint8_t>(v >> 8);
  out[2] = static_cast<uint8_t>(v >> 16);
  out[3] = static_cast<uint8_t>(v >> 24);
}

Status Malformed(size_t size, const std::string& why) {
  return Status(Code::kCorrupt,
                "malformed security.capability (" + std::to_string(size) + " bytes): " + why);
}

}  // namespace

Result<VfsCap> DecodeVfsCap(std::span<const uint8_t> raw) {
  if (raw.size() < 4) return Malformed(raw.size(), "too short for a header");
  const uint32_t magic = Le32(raw, 0);
  VfsCap out;
  size_t words = 2;
  size_t expected = 0;
  switch (magic & kRevisionMask) {
    case kRevision1:
      out.revision = 1, words = 1, expected = kSize1;
      break;
    case kRevision2:
      out.revision = 2, expected = kSize2;
      break;
    case kRevision3:
      out.revision = 3, expected = kSize3;
      break;
    default:
      return Malformed(raw.size(), "unknown revision " + std::to_string(magic >> 24));
  }
  if (raw.size() != expected) {
    return Malformed(raw.size(), "revision " + std::to_string(out.revision) + " needs " +
                                     std::to_string(expected) + " bytes");
  }
  for (size_t i = 0; i < words; ++i) {
    out.caps.permitted |= static_cast<CapMask>(Le32(raw, 4 + 8 * i)) << (32 * i);
    out.caps.inheritable |= static_cast<CapMask>(Le32(raw, 8 + 8 * i)) << (32 * i);
  }
  out.caps.effective = (magic & kFlagEffective) != 0;
  if (out.revision == 3) out.caps.rootid = Le32(raw, 20);
  return out;
}

VfsCapBytes EncodeVfsCap(const FileCaps& caps) {
  VfsCapBytes out;
  const bool v3 = caps.rootid != 0;
  PutLe32(&out.data[0], (v3 ? kRevision3 : kRevision2) | (caps.effective ? kFlagEffective : 0));
  for (size_t i = 0; i < 2; ++i) {
    PutLe32(&out.data[4 + 8 * i], static_cast<uint32_t>(caps.permitted >> (32 * i)));
    PutLe32(&out.data[8 + 8 * i], static_cast<uint32_t>(caps.inheritable >> (32 * i)));
  }
  if (v3) PutLe32(&out.data[20], caps.rootid);
  out.size = v3 ? kSize3 : kSize2;
  return out;
}

}  // namespace capset
