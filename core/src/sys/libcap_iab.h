// SPDX-License-Identifier: LGPL-2.1-or-later
// Iab <-> libcap's cap_iab_t, for the core's own use (iab.cc, login_apply.cc).
#pragma once

#include <memory>
#include <type_traits>

#include "capset/iab.h"
#include "sys/libcap.h"

namespace capset::internal {

using CapIabPtr = std::unique_ptr<std::remove_pointer_t<cap_iab_t>, CapFree>;

/// A cap_iab_t holding `iab`; null (errno set) when libcap fails.
CapIabPtr ToCapIab(const Iab& iab);

}  // namespace capset::internal
