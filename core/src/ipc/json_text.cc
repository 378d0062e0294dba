// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/json_text.h"

#include "capset/utf8.h"

namespace capset {

void SetPathJson(nlohmann::json& object, const std::string& key, std::string_view path) {
  if (IsValidUtf8(path)) {
    object[key] = std::string(path);
    return;
  }
  // The readable form: nlohmann's own replacement of what is not UTF-8.
  std::string replaced;
  AppendJsonString(replaced, path);
  object[key] = nlohmann::json::parse(replaced);
  nlohmann::json bytes = nlohmann::json::array();
  for (const char c : path) bytes.push_back(static_cast<unsigned char>(c));
  object[key + "_bytes"] = std::move(bytes);
}

std::string DumpJson(const nlohmann::json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace capset
