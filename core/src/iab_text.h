// SPDX-License-Identifier: LGPL-2.1-or-later
// The common IAB text forms, read without libcap's per-call cost (internal to the core).
//
// pam_capset.so reads every line of a capability.conf that may have 10,000 lines, twice per
// login; cap_iab_from_text() plus 3 x 64 locked cap_iab_get_vector() calls per line made it
// 20x slower than pam_cap. This reader accepts only the forms it is sure of — tokens
// "[!^%]*NAME" joined by single commas, NAME letters and '_' naming a capability libcap
// knows (case-insensitive) — and takes the names from libcap itself. Anything else
// (numbers, empty tokens, unknown names, stray characters) returns nullopt and the caller
// asks libcap, which stays the authority. iab_test.cc checks the two agree.
// Thread-safety: reentrant (the name table is immutable once built).
#pragma once

#include <optional>
#include <string_view>

#include "capset/iab.h"

namespace capset::internal {

std::optional<Iab> ReadCommonIabText(std::string_view text);

}  // namespace capset::internal
