// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/id_parse.h"

#include <cstdint>
#include <string>

namespace capset {
namespace {

Result<uint32_t> ParseId(std::string_view text, const char* what) {
  auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument,
                  "'" + std::string(text) + "' is not a valid " + what + " (" + why + ")");
  };
  if (!IsAllDigits(text)) return bad("expected decimal digits");
  // As systemd's parse_uid(): a leading zero is no number anyone writes for an id.
  if (text.size() > 1 && text[0] == '0') return bad("a leading zero");
  uint64_t value = 0;
  for (char c : text) {
    value = value * 10 + static_cast<uint64_t>(c - '0');
    if (value > UINT32_MAX) return bad("larger than 4294967294");
  }
  if (value == UINT32_MAX) return bad("4294967295 is (uid_t)-1, which means \"unchanged\"");
  if (value == UINT16_MAX) return bad("65535 is the 16-bit (uid_t)-1, reserved");
  return static_cast<uint32_t>(value);
}

}  // namespace

bool IsAllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Result<uid_t> ParseUid(std::string_view text) {
  CAPSET_ASSIGN_OR_RETURN(uint32_t id, ParseId(text, "uid"));
  return static_cast<uid_t>(id);
}

Result<gid_t> ParseGid(std::string_view text) {
  CAPSET_ASSIGN_OR_RETURN(uint32_t id, ParseId(text, "gid"));
  return static_cast<gid_t>(id);
}

}  // namespace capset
