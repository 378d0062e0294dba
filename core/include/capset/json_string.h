// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the one escaping of a JSON string, for documents written without a JSON tree (the
// record of applied files, capsetd's replies): byte for byte what nlohmann::json's dump
// writes, each byte that is not UTF-8 replaced by U+FFFD.
// Thread-safety: a function of its arguments.
#pragma once

#include <string>
#include <string_view>

namespace capset {

/// Appends `text` as a JSON string, quotes included.
void AppendJsonString(std::string& out, std::string_view text);

}  // namespace capset
