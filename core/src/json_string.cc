// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/json_string.h"

#include <nlohmann/json.hpp>

#include "capset/utf8.h"

namespace capset {

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
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace capset
