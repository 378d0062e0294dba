// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the one strict parser for user and group ids written as numbers (policy owner:,
// group:, capsetd allow rules, capctl options), modelled on systemd's parse_uid(): decimal
// digits only (no sign, no blanks, no "0x", no leading zero), at most 4294967294, and never
// 65535 or 4294967295 — (uid_t)-1 means "unchanged" to chown(2), and its 16-bit form is the
// old overflow id. Values that do not fit are errors, never wrapped ("4294967296" is not uid 0).
// Thread-safety: pure functions.
#pragma once

#include <sys/types.h>

#include <string_view>

#include "capset/status.h"

namespace capset {

/// True when `text` is non-empty and only decimal digits: it is meant as a number, and must
/// then be a valid id (a name is never all digits).
bool IsAllDigits(std::string_view text);

/// Parses a uid. kInvalidArgument with a message saying what was expected.
Result<uid_t> ParseUid(std::string_view text);
/// Parses a gid, by the same rules.
Result<gid_t> ParseGid(std::string_view text);

}  // namespace capset
