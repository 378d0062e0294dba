// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/yaml_quote.h"

#include <cstdint>
#include <cstdio>

namespace capset {
namespace {

// Decodes the UTF-8 sequence at text[i]; returns its length, 0 when invalid.
size_t Decode(std::string_view text, size_t i, uint32_t& cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = b(0);
  size_t n;
  uint32_t min;
  if (c < 0x80) return cp = c, 1;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// YAML 1.1's printable set (what libyaml accepts unescaped), minus tab, which is escaped
// anyway so that a value never holds a raw control character.
bool Printable(uint32_t cp) {
  return (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 || (cp >= 0xA0 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  uint32_t cp;
  for (size_t i = 0; i < text.size();) {
    const size_t n = Decode(text, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

Result<std::string> YamlQuoted(std::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  uint32_t cp;
  for (size_t i = 0; i < text.size();) {
    const size_t n = Decode(text, i, cp);
    if (n == 0) {
      return Status(Code::kInvalidArgument, "not valid UTF-8 at byte " + std::to_string(i) +
                                                ", so YAML cannot hold it as the same bytes");
    }
    if (cp == '"' || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
      // Printable, but line breaks to YAML, which folds a raw one in a quoted scalar.
      out += cp == 0x85 ? "\\N" : cp == 0x2028 ? "\\L" : "\\P";
    } else if (Printable(cp)) {
      out.append(text.substr(i, n));
    } else {
      char buf[16];
      if (cp <= 0xFF) {
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
      } else if (cp <= 0xFFFF) {
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
      } else {
        std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(cp));
      }
      out += buf;
    }
    i += n;
  }
  out += '"';
  return out;
}

}  // namespace capset
