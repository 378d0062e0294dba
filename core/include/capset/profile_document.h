// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the profile as a JSON document: what `capctl profile --json` prints, what
// `capctl profile --unit` keeps in CAPSET_STATE_DIR/profiles/UNIT.json, and what
// `capctl profile merge` reads back. The keys that make the policy are written and read here,
// in one place; the report's evidence (checks, trials) is added around them by capctl.
//   "version": 1, "program": PATH (and "program_bytes" when it is not UTF-8),
//   "needed": ["cap_..."], "raises_effective": bool, "verified": bool,
//   "service": {"unit", "user", "group", "dynamic_user", "exec", "template",
//               "read_write_paths", "address_families", "syscalls", "notes"}   (--unit only)
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "capset/profile_command.h"

namespace capset {

inline constexpr int kProfileDocumentVersion = 1;

/// The policy-making keys of `entry` (see above), into `doc`.
void SetPolicyEntryJson(nlohmann::json& doc, const PolicyEntry& entry);

/// Reads a profile document back. Errors name `source` and the key, and say what was
/// expected; a document of another version is refused.
Result<PolicyEntry> ReadProfileDocument(std::string_view text, const std::string& source);

}  // namespace capset
