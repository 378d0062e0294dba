// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — capability numbers, names and masks.
//
// A capability mask is a uint64_t, bit N = capability N (CAP_CHOWN = bit 0). Names come from
// libcap, so they match what cap_to_text(3) prints and what cap_from_text(3) accepts.
// Thread-safety: all functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "capset/status.h"

namespace capset {

using CapMask = uint64_t;

/// Highest representable capability number + 1 (the mask width).
inline constexpr int kMaxCapBits = 64;

inline constexpr CapMask CapBit(int cap) { return CapMask{1} << cap; }

/// Number of capabilities the running kernel knows (libcap's cap_max_bits()).
int KernelCapBits();

/// Mask of all capabilities the running kernel knows.
CapMask KernelCapMask();

/// libcap's name for a capability, lower case ("cap_net_raw"); the decimal number for
/// capabilities libcap does not know.
std::string CapName(int cap);

/// Parses a capability name ("cap_net_raw", "CAP_NET_RAW", "net_raw") or number.
/// Fails with kInvalidArgument naming the text when it is neither.
Result<int> CapFromName(std::string_view name);

/// The names of the bits of `mask`, in ascending order.
std::vector<std::string> CapNames(CapMask mask);
/// The same, joined with ',' ("cap_net_admin,cap_net_raw"); "" for none.
std::string CapNameList(CapMask mask);

}  // namespace capset
