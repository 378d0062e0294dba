// SPDX-License-Identifier: LGPL-2.1-or-later
// For tests and fuzzing: reads a unit file as systemd does (lines end at '\n', '\r' or NUL; a
// line ending in a backslash continues on the next; '#' and ';' start comments; "[Section]";
// "Key=Value" with blanks trimmed), and the directives capset means a service's drop-in to
// hold, computed from the policy on its own. The property: RenderDropIn's text, read back,
// is exactly those directives, in order.
#pragma once

#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "capset/policy.h"
#include "capset/unit_gen.h"
#include "capset/unit_template.h"

namespace capset::testing {

struct Directive {
  std::string section, key, value;
  bool operator==(const Directive&) const = default;
};

inline std::string Trimmed(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

inline std::vector<Directive> ReadUnitFile(std::string_view text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\0') {
      lines.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) lines.push_back(cur);
  std::vector<Directive> out;
  std::string section, pending;
  for (const std::string& raw : lines) {
    std::string line = Trimmed(raw);
    if (pending.empty() && (line.empty() || line[0] == '#' || line[0] == ';')) continue;
    if (!line.empty() && line.back() == '\\') {  // continues on the next line
      line.pop_back();
      pending += line + " ";
      continue;
    }
    line = pending + line;
    pending.clear();
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) {
      out.push_back({section, "(not a directive) " + line, ""});
      continue;
    }
    out.push_back({section, Trimmed(line.substr(0, eq)), Trimmed(line.substr(eq + 1))});
  }
  if (!pending.empty()) out.push_back({section, "(continued past the end) " + pending, ""});
  return out;
}

inline std::vector<Directive> MeantDirectives(const ServicePolicy& s, const UnitTemplate* t) {
  std::vector<Directive> out;
  auto add = [&](const std::string& k, const std::string& v) {
    out.push_back({"Service", k, Trimmed(v)});
  };
  if (s.dynamic_user) add("DynamicUser", "yes");
  if (s.user) add("User", *s.user);
  if (s.group) add("Group", *s.group);
  add("AmbientCapabilities", "");
  if (s.ambient) add("AmbientCapabilities", SystemdCapList(s.ambient));
  const CapMask bounding = s.bounding.value_or(s.ambient);
  add("CapabilityBoundingSet", "");
  if (bounding) add("CapabilityBoundingSet", SystemdCapList(bounding));
  add("NoNewPrivileges", s.no_new_privileges ? "yes" : "no");
  if (!s.secure_bits.empty()) {
    std::string bits;
    for (const auto& b : s.secure_bits) bits += (bits.empty() ? "" : " ") + b;
    add("SecureBits", bits);
  }
  if (t) {
    for (const auto& [k, v] : t->settings) add(k, v);
  }
  for (const auto& [k, v] : s.settings) add(k, v);
  return out;
}

}  // namespace capset::testing
