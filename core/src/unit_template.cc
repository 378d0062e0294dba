// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_template.h"

#include <cstdlib>
#include <set>
#include <sstream>

#include "capset/trusted_file.h"
#include "capset/unit_syntax.h"
#include "capset/config.h"

namespace capset {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

Result<UnitTemplate> ParseUnitTemplate(const std::string& text, const std::string& name,
                                       const std::string& path) {
  UnitTemplate t;
  t.name = name;
  t.path = path;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  bool in_service = false;
  auto error = [&](const std::string& msg) {
    return Status(Code::kInvalidArgument, path + ":" + std::to_string(lineno) + ": " + msg);
  };
  while (std::getline(in, line)) {
    ++lineno;
    line = Trim(line);
    if (line.empty()) continue;
    if (line[0] == '#' || line[0] == ';') {
      const std::string body = Trim(line.substr(1));
      const size_t colon = body.find(':');
      if (colon == std::string::npos) continue;
      const std::string key = Trim(body.substr(0, colon)), value = Trim(body.substr(colon + 1));
      if (key == "description") {
        t.description = value;
      } else if (key == "exposure") {
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') return error("exposure: expected a number");
        t.exposure = v;
      } else if (key == "capset-template" && value != name) {
        return error("the header names template '" + value + "', but the file is '" + name +
                     ".conf'");
      }
      continue;
    }
    if (line[0] == '[') {
      if (line != "[Service]") return error("only a [Service] section is allowed, got " + line);
      in_service = true;
      continue;
    }
    if (!in_service) return error("expected [Service] before the first setting");
    const size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) return error("expected Key=value, got '" + line + "'");
    const std::string key = Trim(line.substr(0, eq));
    if (key.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
        std::string::npos) {
      return error("expected a setting name such as ProtectSystem, got '" + key + "'");
    }
    // Written into drop-ins as it is: one value, never a continuation (unit_syntax.h).
    Result<std::string> value = DropInValue(Trim(line.substr(eq + 1)));
    if (!value.ok()) return error(key + ": " + value.status().message());
    t.settings.emplace_back(key, *value);
  }
  if (!in_service) return Status(Code::kInvalidArgument, path + ": no [Service] section");
  return t;
}

std::vector<std::string> TemplateDirectories(const std::string& root) {
  const std::string r = (root.empty() || root == "/") ? "" : root;
  return {r + CAPSET_SYSCONF_DIR "/unit-templates", r + CAPSET_PKGLIB_DIR "/unit-templates"};
}

Result<UnitTemplate> LoadUnitTemplate(const std::string& name, const std::vector<std::string>& dirs,
                                      TrustMode trust) {
  TrustedReadOptions read;
  read.max_bytes = 1 << 20;
  read.trust = trust;
  for (const auto& dir : dirs) {
    const std::string path = dir + "/" + name + ".conf";
    // SECURITY: a template becomes part of a unit: it is read like a policy file (trust rule,
    // no symbolic links, a consistent snapshot). Only a missing file moves on to the next
    // directory; an untrusted one is an error, not a reason to take a lower one.
    Result<TrustedText> text = ReadTrustedFile(RealSys(), path, read);
    if (!text.ok() && text.status().code() == Code::kNotFound) continue;
    if (!text.ok()) return text.status();
    if (auto bad = FindControlCharacter(text->text, /*allow_crlf=*/false)) {
      return Status(Code::kInvalidArgument, path + ":" + std::to_string(bad->line) + ": " +
                                                bad->Describe() + " is not allowed in a template");
    }
    Result<UnitTemplate> t = ParseUnitTemplate(text->text, name, path);
    if (t.ok()) t->untrusted = text->untrusted;
    return t;
  }
  std::string searched;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
  return Status(Code::kNotFound, "unknown template '" + name + "' (looked in " + searched + ")");
}

std::vector<std::string> ListUnitTemplates(const std::vector<std::string>& dirs) {
  std::set<std::string> names;
  SafeOpenOptions walk;
  walk.trust = TrustMode::kIgnore;  // listing only: loading a template checks it
  for (const auto& dir : dirs) {
    Result<SafeDir> d = OpenDirectoryNoFollow(RealSys(), dir, walk);
    if (!d.ok()) continue;
    Result<std::vector<DirEntry>> entries = ListTrustedDirectory(RealSys(), *d, ".conf");
    if (!entries.ok()) continue;
    for (const auto& e : *entries) names.insert(e.name.substr(0, e.name.size() - 5));
  }
  return {names.begin(), names.end()};
}

}  // namespace capset
