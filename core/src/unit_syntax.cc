// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_syntax.h"

#include <cstdio>

#include "capset/id_parse.h"
#include "capset/utf8.h"

namespace capset {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

bool UnitChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == ':' || c == '_' || c == '.' || c == '\\' || c == '-';
}

}  // namespace

std::optional<std::string> InvalidUserGroupName(std::string_view name) {
  if (name.empty()) return std::string("it is empty");
  if (name.size() > 256) return std::string("it is longer than 256 bytes");
  if (IsAllDigits(name)) {
    if (Result<uid_t> id = ParseUid(name); !id.ok()) return id.status().message();
    return std::nullopt;
  }
  if (!IsValidUtf8(name)) return std::string("it is not UTF-8");
  for (char c : name) {
    if (IsControl(static_cast<unsigned char>(c))) {
      return std::string("it holds a control character (a newline would start a new directive)");
    }
    if (c == ':' || c == '/') {
      return std::string("it holds '") + c + "', which no user or group name may";
    }
    // A drop-in would read these as more than the name: a trailing backslash continues the
    // line, '%' starts a specifier (%h is the home directory), quotes are unquoted.
    if (c == '\\' || c == '%' || c == '"' || c == '\'') {
      return std::string("it holds '") + c + "', which a unit file would not read as itself";
    }
  }
  if (IsSpace(name.front()) || IsSpace(name.back())) {
    return std::string("it starts or ends with whitespace");
  }
  if (name.front() == '-') return std::string("it starts with '-'");
  if (name == "." || name == "..") return std::string("it is '" + std::string(name) + "'");
  return std::nullopt;
}

std::optional<std::string> InvalidServiceName(std::string_view name) {
  static constexpr std::string_view kSuffix = ".service";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) {
    return std::string("expected NAME.service");
  }
  if (name.size() > 255) return std::string("longer than 255 bytes");
  const std::string_view prefix = name.substr(0, name.size() - kSuffix.size());
  size_t ats = 0;
  for (char c : prefix) {
    if (c == '@') {
      ++ats;
    } else if (!UnitChar(c)) {
      return std::string("it holds a character systemd does not allow in unit names");
    }
  }
  if (ats > 1) return std::string("more than one '@'");
  if (prefix.front() == '-' || prefix.front() == '.' || prefix.front() == '@') {
    return std::string("it starts with '") + prefix.front() + "'";
  }
  // "foo-.service.d/" is a drop-in for every foo-*.service (systemd.unit(5)).
  const std::string_view stem = prefix.substr(0, prefix.find('@'));
  if (!stem.empty() && stem.back() == '-') {
    return std::string("a name ending in '-' is a prefix: systemd would apply its drop-in to "
                       "every ") +
           std::string(stem) + "*.service";
  }
  return std::nullopt;
}

Result<std::string> DropInValue(std::string_view value) {
  auto bad = [](const std::string& why) {
    return Status(Code::kInvalidArgument,
                  why + ", which systemd would read as more than this one value");
  };
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c == 0) return bad("a NUL byte");
    if (c == '\n') return bad("a newline");
    if (c == '\r') return bad("a carriage return");
    if (IsControl(c)) {
      char buf[48];
      std::snprintf(buf, sizeof buf, "a control character (0x%02x)", c);
      return bad(buf);
    }
  }
  // systemd strips trailing blanks first: "x\ " continues the line too.
  const size_t last = value.find_last_not_of(" \t");
  if (last != std::string_view::npos && value[last] == '\\') {
    return bad("a trailing backslash (a line continuation)");
  }
  if (!IsValidUtf8(value)) {
    return Status(Code::kInvalidArgument, "not UTF-8, which systemd refuses in unit files");
  }
  return std::string(value);
}

std::string DropInComment(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (IsControl(c) || c >= 0x80) {
      // A whole UTF-8 sequence is kept; anything else is escaped byte by byte.
      const size_t n = c >= 0x80 ? Utf8SequenceAt(text, i) : 0;
      if (n) {
        out.append(text.substr(i, n));
        i += n - 1;
        continue;
      }
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace capset
