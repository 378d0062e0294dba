// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_settings.h"

#include <strings.h>

namespace capset {
namespace {

void Expand(const SyscallGroups& groups, const std::string& name, std::set<std::string>& seen,
            std::vector<std::string>& out) {
  if (name.empty() || name[0] != '@') {
    out.push_back(name);
    return;
  }
  if (!seen.insert(name).second) return;
  auto it = groups.find(name);
  if (it == groups.end()) return;
  for (const auto& item : it->second) Expand(groups, item, seen, out);
}

}  // namespace

SyscallGroups ParseSyscallGroups(std::string_view text) {
  SyscallGroups groups;
  std::string current;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;
    const size_t last = line.find_last_not_of(" \t\r");
    std::string_view word = line.substr(first, last - first + 1);
    if (word[0] == '#') continue;
    if (!indented) {
      current = word[0] == '@' && word.find_first_of(" \t") == std::string_view::npos
                    ? std::string(word)
                    : std::string();
      if (!current.empty()) groups[current];
      continue;
    }
    if (current.empty() || word.find_first_of(" \t") != std::string_view::npos) continue;
    groups[current].emplace_back(word);
  }
  return groups;
}

std::vector<std::string> ExpandSyscalls(const SyscallGroups& groups, const std::string& name) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  Expand(groups, name, seen, out);
  return out;
}

std::optional<bool> ParseUnitBoolean(std::string_view value) {
  const std::string v(value);
  for (const char* yes : {"1", "yes", "y", "true", "t", "on"}) {
    if (::strcasecmp(v.c_str(), yes) == 0) return true;
  }
  for (const char* no : {"0", "no", "n", "false", "f", "off"}) {
    if (::strcasecmp(v.c_str(), no) == 0) return false;
  }
  return std::nullopt;
}

std::vector<std::string> UnitWords(std::string_view value) {
  // systemd's extract_first_word(EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE): blanks separate words,
  // "..." and '...' are parts of one word, a backslash escapes the next character (\n, \t,
  // \xHH and \NNN as C has them).
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (!quote && (c == ' ' || c == '\t' || c == '\n')) {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (quote && c == quote) {
      quote = 0;
    } else if (!quote && (c == '"' || c == '\'')) {
      quote = c;
    } else if (c == '\\' && i + 1 < value.size()) {
      const char e = value[++i];
      auto hex = [](char h) {
        return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                                     : -1;
      };
      if (e == 'n') {
        word += '\n';
      } else if (e == 't') {
        word += '\t';
      } else if (e == 'x' && i + 2 < value.size() && hex(value[i + 1]) >= 0 &&
                 hex(value[i + 2]) >= 0) {
        word += static_cast<char>(hex(value[i + 1]) * 16 + hex(value[i + 2]));
        i += 2;
      } else {
        word += e;
      }
    } else {
      word += c;
    }
  }
  if (in_word) out.push_back(word);
  return out;
}

bool PathIsBelow(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::vector<std::string> ReadOnlyUnderProtectSystem(const std::string& value) {
  if (value == "strict") return {"/"};
  if (value == "full") return {"/usr", "/boot", "/efi", "/etc"};
  if (ParseUnitBoolean(value).value_or(false)) return {"/usr", "/boot", "/efi"};
  return {};
}

void UnitListSetting::Assign(
    std::string_view value,
    const std::function<std::vector<std::string>(const std::string&)>& expand,
    const std::vector<std::string>& implicit_allowed) {
  std::vector<std::string> words = UnitWords(value);
  if (words.empty()) {
    *this = UnitListSetting();
    return;
  }
  bool invert = false;
  if (words[0][0] == '~') {
    invert = true;
    words[0].erase(0, 1);
    if (words[0].empty()) words.erase(words.begin());
  }
  if (!set) {
    set = true;
    allow_list = !invert;
    if (allow_list) {
      for (const auto& i : implicit_allowed) {
        for (const auto& e : expand(i)) items.insert(e);
      }
    }
  }
  for (std::string w : words) {
    w = w.substr(0, w.find(':'));  // "name:errno"
    for (const auto& e : expand(w)) {
      if (invert != allow_list) {
        items.insert(e);
      } else {
        items.erase(e);
      }
    }
  }
}

bool UnitListSetting::Allows(const std::string& item) const {
  if (!set) return true;
  return allow_list == (items.count(item) > 0);
}

}  // namespace capset
