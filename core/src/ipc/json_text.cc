// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/json_text.h"

#include "capset/utf8.h"

namespace capset {

std::string ReplaceNonUtf8(std::string_view text) {
  if (IsValidUtf8(text)) return std::string(text);
  std::string replaced;
  AppendJsonString(replaced, text);  // nlohmann's own replacement
  return nlohmann::json::parse(replaced).get<std::string>();
}

void SetPathJson(nlohmann::json& object, const std::string& key, std::string_view path) {
  if (IsValidUtf8(path)) {
    object[key] = std::string(path);
    return;
  }
  object[key] = ReplaceNonUtf8(path);  // the readable form
  nlohmann::json bytes = nlohmann::json::array();
  for (const char c : path) bytes.push_back(static_cast<unsigned char>(c));
  object[key + "_bytes"] = std::move(bytes);
}

std::string DumpJson(const nlohmann::json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace capset
