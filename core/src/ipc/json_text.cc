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
  object[key] =
      nlohmann::json::parse(nlohmann::json(std::string(path))
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  nlohmann::json bytes = nlohmann::json::array();
  for (const char c : path) bytes.push_back(static_cast<unsigned char>(c));
  object[key + "_bytes"] = std::move(bytes);
}

std::string DumpJson(const nlohmann::json& doc, int indent) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendJsonString(std::string& out, std::string_view text) {
  // Most strings need no escape: written as they are. Any other goes through nlohmann's own
  // serializer, so that there is one escaping of JSON strings, its.
  bool plain = IsValidUtf8(text);
  for (size_t i = 0; plain && i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    plain = c >= 0x20 && c != '"' && c != '\\';
  }
  if (plain) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += DumpJson(nlohmann::json(std::string(text)), -1);
}

}  // namespace capset
