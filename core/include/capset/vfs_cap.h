// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the security.capability codec (struct vfs_cap_data / vfs_ns_cap_data).
//
// On-disk layout, all little-endian u32 (linux/capability.h):
//   magic_etc            revision in the top byte (1, 2 or 3), bit 0 = "effective"
//   {permitted, inheritable} x N   N = 1 for revision 1, 2 for revisions 2 and 3
//   rootid               revision 3 only: the user namespace root the capability is for
// Sizes are exactly 12, 20 or 24 bytes. Anything else is malformed (kCorrupt), as the kernel
// and libcap treat it. The decoder is the scanner's hot path: no allocation, no libcap.
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "capset/file_caps.h"
#include "capset/status.h"

namespace capset {

inline constexpr const char kCapXattrName[] = "security.capability";
/// Largest valid encoding (revision 3). A buffer one byte larger detects oversize values.
inline constexpr size_t kVfsCapMaxSize = 24;

struct VfsCap {
  FileCaps caps;
  int revision = 2;  ///< 1, 2 or 3
};

/// Decodes a security.capability value.
Result<VfsCap> DecodeVfsCap(std::span<const uint8_t> raw);

/// Encodes caps as revision 2 when rootid is 0, else revision 3. Returns the byte count used.
struct VfsCapBytes {
  std::array<uint8_t, kVfsCapMaxSize> data{};
  size_t size = 0;
  std::span<const uint8_t> span() const { return {data.data(), size}; }
};
VfsCapBytes EncodeVfsCap(const FileCaps& caps);

}  // namespace capset
