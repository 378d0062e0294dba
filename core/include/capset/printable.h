// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — text for a terminal or a log line, so that a file name, a user name or a message
// that holds a newline, a carriage return or an escape sequence cannot forge or hide a line
// of output.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace capset {

/// `text` with control characters (C0, DEL, C1), backslash and bytes that are not UTF-8 as C
/// escapes ("\\n", "\\\\", "\\x1b"), and the invisible characters that reorder or break a
/// line (the bidirectional controls, U+2028, U+2029) as "\\u202e": one value inside a message,
/// which reads back unambiguously.
std::string Printable(std::string_view text);
/// Appends Printable(text) to `out` (a line built in one buffer, thousands of times).
void AppendPrintable(std::string& out, std::string_view text);

/// `text` with only its control characters (C0, DEL, C1), its invisible ones and its bytes
/// that are not UTF-8 escaped, as Printable escapes them (a lone 0x9b is a CSI to a terminal
/// that is not in UTF-8 mode): for a whole message at the point it is written, whose parts
/// may have been made Printable already (this leaves Printable's output as it is).
/// Backslashes are kept.
std::string ControlsEscaped(std::string_view text);

}  // namespace capset
