// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/printable.h"

#include <cstdio>

#include "capset/utf8.h"

namespace capset {
namespace {

void AppendHex(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

// Appends the control character `c` as an escape; false where `c` is none.
bool AppendControl(std::string& out, unsigned char c) {
  switch (c) {
    case '\n':
      out += "\\n";
      return true;
    case '\t':
      out += "\\t";
      return true;
    case '\r':
      out += "\\r";
      return true;
    default:
      break;
  }
  if (c >= 0x20 && c != 0x7f) return false;
  AppendHex(out, c);
  return true;
}

// A C1 control (U+0080-U+009F) is the two bytes C2 80-9F.
bool IsC1At(std::string_view text, size_t i, size_t n) {
  return n == 2 && static_cast<unsigned char>(text[i]) == 0xC2 &&
         static_cast<unsigned char>(text[i + 1]) < 0xA0;
}

}  // namespace

std::string Printable(std::string_view text) {
  std::string out;
  AppendPrintable(out, text);
  return out;
}

void AppendPrintable(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (AppendControl(out, c)) {
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A whole UTF-8 sequence as it is (but the C1 controls); any other byte escaped.
      const size_t n = Utf8SequenceAt(text, i);
      if (n && !IsC1At(text, i, n)) {
        out.append(text.substr(i, n));
        i += n - 1;
      } else {
        AppendHex(out, c);
      }
    }
  }
}

std::string ControlsEscaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (!AppendControl(out, c)) out += static_cast<char>(c);
    } else if (IsC1At(text, i, Utf8SequenceAt(text, i))) {
      AppendHex(out, c);
      AppendHex(out, static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace capset
