// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what systemd accepts in a unit file, and the one way capset writes into a drop-in.
//
// SECURITY: a drop-in is read by systemd's own syntax: a newline, a carriage return or a NUL
// in a value starts a new directive, a value ending in a backslash swallows the next line,
// and a service named "systemd-.service" gives its drop-in to every systemd-*.service. So
// every name and value capset writes is checked here first (the policy parser calls these,
// so that a refusal names file:line:column), and the renderer writes values only through
// DropInValue() and comments only through DropInComment().
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "capset/status.h"

namespace capset {

/// Why `name` is no user or group name systemd accepts for User=/Group= (its relaxed rules,
/// plus a valid numeric id), or nullopt. Refused: empty, longer than 256 bytes, not UTF-8,
/// control characters, ':' or '/', a backslash, '%' (a specifier to systemd) or a quote,
/// leading or trailing whitespace, a leading '-', "." and "..", and a number that is no
/// valid id (id_parse.h).
std::optional<std::string> InvalidUserGroupName(std::string_view name);

/// Why `name` is no service unit name capset writes a drop-in for, or nullopt: systemd's
/// characters ([A-Za-z0-9:_.\\-] and one '@' for templates), ".service", at most 255 bytes,
/// no leading '-' or '.', and no prefix form ("foo-.service", whose drop-ins systemd applies
/// to every foo-*.service).
std::optional<std::string> InvalidServiceName(std::string_view name);

/// `value` as it is to be written after "Key=": refused (kInvalidArgument, saying why) when
/// systemd would read it as more than one value of one directive — a NUL, a newline, a
/// carriage return or any other control character, a trailing backslash (also before
/// trailing blanks, which systemd strips) — or when it is not UTF-8.
Result<std::string> DropInValue(std::string_view value);

/// `text` for a "# ..." comment line: control characters, backslashes and bytes that are not
/// UTF-8 as C escapes, so that no file name can end the comment or continue it.
std::string DropInComment(std::string_view text);

}  // namespace capset
