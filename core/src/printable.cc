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

// The code point of the `n`-byte UTF-8 sequence at `i` (Utf8SequenceAt found it valid).
unsigned CodePointAt(std::string_view text, size_t i, size_t n) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  if (n == 2) return ((b(0) & 0x1fU) << 6) | (b(1) & 0x3fU);
  if (n == 3) return ((b(0) & 0x0fU) << 12) | ((b(1) & 0x3fU) << 6) | (b(2) & 0x3fU);
  return 0x10000;  // four bytes: none of the below
}

// Unicode's invisible characters that reorder or break a line as a terminal or a log viewer
// shows it ("Trojan Source"): the bidirectional marks, embeddings, overrides and isolates
// (U+061C, U+200E-U+200F, U+202A-U+202E, U+2066-U+2069) and the line and paragraph
// separators (U+2028, U+2029). Written as "\u202e".
bool AppendInvisible(std::string& out, std::string_view text, size_t i, size_t n) {
  const unsigned cp = CodePointAt(text, i, n);
  if (!(cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069))) {
    return false;
  }
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", cp);
  out += buf;
  return true;
}

// Appends the byte at `i` (0x80 or above) and what follows it of its UTF-8 sequence: a whole
// sequence as it is, but a C1 control (both bytes as "\xNN"), an invisible one (above) or a
// byte that starts none ("\xNN"). Returns how many bytes it took.
size_t AppendNonAscii(std::string& out, std::string_view text, size_t i) {
  const size_t n = Utf8SequenceAt(text, i);
  if (n == 0) {
    AppendHex(out, static_cast<unsigned char>(text[i]));
    return 1;
  }
  if (IsC1At(text, i, n)) {
    AppendHex(out, static_cast<unsigned char>(text[i]));
    AppendHex(out, static_cast<unsigned char>(text[i + 1]));
    return 2;
  }
  if (!AppendInvisible(out, text, i, n)) out.append(text.substr(i, n));
  return n;
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
      i += AppendNonAscii(out, text, i) - 1;
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
    } else {
      i += AppendNonAscii(out, text, i) - 1;
    }
  }
  return out;
}

}  // namespace capset
