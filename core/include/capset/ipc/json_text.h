// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the one way capset writes JSON (every --json output, capsetd's replies).
//
// JSON strings are Unicode; a file name is bytes, and any user can create one that is not
// UTF-8 (nlohmann::json then throws type_error 316, which once aborted capctl get --json,
// capctl set --json after the capability was already written, and capctl audit --json).
// So a file name is written by SetPathJson:
//   - valid UTF-8: "KEY": the name;
//   - otherwise: "KEY": the name with each byte that is not UTF-8 replaced by U+FFFD (for
//     people), and "KEY_bytes": every byte of the name as a number 0-255 (for programs: the
//     name itself, reversibly).
// and everything is serialized by DumpJson, which never throws: any other string that is not
// UTF-8 (a message quoting such a name) gets U+FFFD for each bad byte.
// Thread-safety: functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "capset/json_string.h"  // AppendJsonString, for documents written without a tree

namespace capset {

/// `text` as a JSON string of it reads back: each byte that is not UTF-8 replaced by U+FFFD
/// (what a report's text form shows, from a local run as from capsetd's JSON reply).
std::string ReplaceNonUtf8(std::string_view text);

void SetPathJson(nlohmann::json& object, const std::string& key, std::string_view path);

/// The JSON text of `doc` (indent as nlohmann's dump; -1: compact).
std::string DumpJson(const nlohmann::json& doc, int indent = 2);

}  // namespace capset
