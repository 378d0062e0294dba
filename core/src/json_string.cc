// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/json_string.h"

#include <nlohmann/json.hpp>

#include "capset/utf8.h"

namespace capset {

void AppendJsonString(std::string& out, std::string_view text) {
  // Most strings need no escape: written as they are. Any other goes through nlohmann's own
  // serializer, so that there is one escaping of JSON strings, its. One pass decides: ASCII
  // byte by byte (every path and capability name in a report), the rest by UTF-8 sequence.
  bool plain = true;
  for (size_t i = 0; plain && i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      plain = c >= 0x20 && c != '"' && c != '\\';
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceAt(text, i);
    plain = n != 0;
    i += n;
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
