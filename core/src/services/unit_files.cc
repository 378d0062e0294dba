// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "capset/trusted_file.h"
#include "capset/unit_syntax.h"

namespace capset {
namespace {

constexpr size_t kMaxUnitFile = 1 << 20;
constexpr int kMaxLinkHops = 32;
constexpr const char kDevNull[] = "/dev/null";

const SafeOpenOptions kReadOnly{TrustMode::kIgnore, {}, true};

std::string Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r");
  return std::string(s.substr(a, b - a + 1));
}

std::string Basename(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string Dirname(const std::string& p) {
  const size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

// "getty@tty1.service" → "getty@.service"; "" when `name` is no instance.
std::string TemplateOf(const std::string& name) {
  const size_t at = name.find('@');
  const size_t dot = name.rfind('.');
  if (at == std::string::npos || dot == std::string::npos || dot < at || at + 1 == dot) return "";
  return name.substr(0, at + 1) + name.substr(dot);
}

std::vector<std::string> Components(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = path.find('/', i);
    const std::string c = path.substr(i, j == std::string::npos ? std::string::npos : j - i);
    if (!c.empty() && c != ".") out.push_back(c);
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

// `path` below `root` with its symlinks resolved inside the root, as the kernel's
// RESOLVE_IN_ROOT would (an absolute target starts again at the root, ".." stops there): what
// systemd follows (aliases, merged /usr's /lib, linked drop-ins) without ever leaving the
// image. kDevNull where the last link points at /dev/null (a mask); kNotFound where something
// is missing. Nothing is opened but directories by the symlink-free walk.
Result<std::string> RealPathInRoot(SysOps& sys, const SafeDir& root, const std::string& path) {
  std::vector<std::string> todo = Components(path);
  std::vector<std::string> done;
  for (int hops = 0; !todo.empty();) {
    const std::string c = todo.front();
    todo.erase(todo.begin());
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    CAPSET_ASSIGN_OR_RETURN(SafeDir parent, OpenDirectoryBelow(sys, root, Join(done), kReadOnly));
    Result<struct stat> st = sys.StatAt(parent.fd.get(), c);
    if (!st.ok()) return Status(Code::kNotFound, "'" + path + "' is missing");
    if (!S_ISLNK(st->st_mode)) {
      done.push_back(c);
      continue;
    }
    CAPSET_ASSIGN_OR_RETURN(std::string target, sys.ReadLinkAt(parent.fd.get(), c));
    if (++hops > kMaxLinkHops) {
      return Status(Code::kInvalidArgument, "'" + path + "': too many levels of symbolic links");
    }
    if (todo.empty() && target == kDevNull) return std::string(kDevNull);
    if (!target.empty() && target[0] == '/') done.clear();
    std::vector<std::string> more = Components(target);
    todo.insert(todo.begin(), more.begin(), more.end());
  }
  return Join(done);
}

// An opened search directory, or nothing where it is missing.
std::optional<SafeDir> OpenSearchDir(SysOps& sys, const SafeDir& root, const std::string& path) {
  Result<std::string> real = RealPathInRoot(sys, root, path);
  if (!real.ok() || *real == kDevNull) return std::nullopt;
  Result<SafeDir> d = OpenDirectoryBelow(sys, root, *real, kReadOnly);
  if (!d.ok()) return std::nullopt;
  return std::move(*d);
}

struct Fragment {
  std::string path;  ///< resolved below the root
  std::string id;
  bool masked = false;
};

// The file `name` names in the search path (the first directory that has it), its links
// followed below the root; an empty file or a link to /dev/null masks.
Result<std::optional<Fragment>> FindFragment(SysOps& sys, const SafeDir& root,
                                             const std::string& name) {
  for (const std::string& dir : UnitSearchPath()) {
    std::optional<SafeDir> d = OpenSearchDir(sys, root, dir);
    if (!d || !sys.StatAt(d->fd.get(), name).ok()) continue;
    Result<std::string> real = RealPathInRoot(sys, root, dir + "/" + name);
    if (!real.ok()) {
      return Status(real.status().code(), "'" + dir + "/" + name +
                                              "' is a link whose target (an alias target) is " +
                                              "missing below the root");
    }
    if (*real == kDevNull) return std::optional<Fragment>(Fragment{dir + "/" + name, name, true});
    Fragment f{*real, name, false};
    const std::string base = Basename(*real);
    if (base != name && !InvalidServiceName(base)) f.id = base;
    std::optional<SafeDir> where = OpenSearchDir(sys, root, Dirname(*real));
    Result<struct stat> st =
        where ? sys.StatAt(where->fd.get(), base) : Status(Code::kNotFound, "");
    if (st.ok() && S_ISREG(st->st_mode) && st->st_size == 0) f.masked = true;
    return std::optional<Fragment>(std::move(f));
  }
  return std::optional<Fragment>();
}

Result<std::string> ReadUnitText(SysOps& sys, const SafeDir& root, const std::string& path) {
  std::optional<SafeDir> dir = OpenSearchDir(sys, root, Dirname(path));
  if (!dir) return Status(Code::kNotFound, "'" + Dirname(path) + "' is missing");
  TrustedReadOptions options;
  options.max_bytes = kMaxUnitFile;
  options.trust = TrustMode::kIgnore;
  CAPSET_ASSIGN_OR_RETURN(TrustedText t,
                          ReadTrustedFileAt(sys, *dir, Basename(path), path, options));
  return std::move(t.text);
}

// Calls `fn(dir, entry)` for each "*.service" entry of each search directory.
template <typename Fn>
void ForEachServiceEntry(SysOps& sys, const SafeDir& root, const Fn& fn) {
  for (const std::string& dir : UnitSearchPath()) {
    std::optional<SafeDir> d = OpenSearchDir(sys, root, dir);
    if (!d) continue;
    Result<std::vector<DirEntry>> entries = ListTrustedDirectory(sys, *d, ".service");
    if (!entries.ok()) continue;
    for (const DirEntry& e : *entries) fn(*d, e);
  }
}

// The other names of `id`: symlinks in the search path whose target is named `id`.
std::vector<std::string> AliasesOf(SysOps& sys, const SafeDir& root, const std::string& id) {
  std::set<std::string> out;
  ForEachServiceEntry(sys, root, [&](const SafeDir& d, const DirEntry& e) {
    if (e.name == id || (e.type != DT_LNK && e.type != DT_UNKNOWN)) return;
    Result<std::string> target = sys.ReadLinkAt(d.fd.get(), e.name);
    if (target.ok() && Basename(*target) == id) out.insert(e.name);
  });
  return {out.begin(), out.end()};
}

// The names whose NAME.d directories hold drop-ins for the unit, in systemd's order: its own
// names, its template, the dash prefixes of its name (of the part before '@' for an
// instance), the type.
std::vector<std::string> DropInNames(const std::string& name, const std::string& id,
                                     const std::vector<std::string>& aliases) {
  std::vector<std::string> names = {name};
  auto add = [&](const std::string& n) {
    if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  add(id);
  for (const std::string& a : aliases) add(a);
  add(TemplateOf(name));
  const size_t dot = name.rfind('.');
  const std::string suffix = name.substr(dot);
  std::string stem = name.substr(0, dot);
  if (const size_t at = stem.find('@'); at != std::string::npos) stem.resize(at);
  for (size_t dash = stem.rfind('-'); dash != std::string::npos && dash > 0;
       dash = stem.rfind('-', dash - 1)) {
    add(stem.substr(0, dash + 1) + suffix);
  }
  add(suffix.substr(1));  // "service" → service.d/
  return names;
}

// The specifiers systemd expands in paths and names (systemd.unit(5) "Specifiers"), for a
// system service; an unknown one is kept as written.
std::string ExpandSpecifiers(const std::string& value, const std::string& unit) {
  if (value.find('%') == std::string::npos) return value;
  const size_t dot = unit.rfind('.');
  const std::string stem = unit.substr(0, dot);
  const size_t at = stem.find('@');
  const std::string prefix = at == std::string::npos ? stem : stem.substr(0, at);
  const std::string instance = at == std::string::npos ? "" : stem.substr(at + 1);
  const std::map<char, std::string> kSpecifiers = {
      {'n', unit},     {'N', stem},   {'p', prefix},     {'P', prefix},       {'i', instance},
      {'I', instance}, {'t', "/run"}, {'S', "/var/lib"}, {'C', "/var/cache"}, {'L', "/var/log"},
      {'E', "/etc"},   {'T', "/tmp"}, {'V', "/var/tmp"}, {'h', "/root"},      {'u', "root"},
      {'U', "0"},      {'g', "root"}, {'G', "0"},        {'s', "/bin/sh"},    {'%', "%"}};
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    auto it = value[i] == '%' && i + 1 < value.size() ? kSpecifiers.find(value[i + 1])
                                                      : kSpecifiers.end();
    if (it == kSpecifiers.end()) {
      out += value[i];
      continue;
    }
    out += it->second;
    ++i;
  }
  return out;
}

bool TakesSpecifiers(const std::string& key) {
  static const std::set<std::string> kKeys = {"User",
                                              "Group",
                                              "SupplementaryGroups",
                                              "PIDFile",
                                              "ReadWritePaths",
                                              "ReadOnlyPaths",
                                              "InaccessiblePaths",
                                              "RootDirectory",
                                              "RootImage",
                                              "RuntimeDirectory",
                                              "StateDirectory",
                                              "CacheDirectory",
                                              "LogsDirectory",
                                              "WorkingDirectory",
                                              "ExecStart"};
  return kKeys.count(key) > 0;
}

}  // namespace

const std::vector<std::string>& UnitSearchPath() {
  static const std::vector<std::string> kPath = {
      "/etc/systemd/system.control", "/run/systemd/system.control",
      "/run/systemd/transient",      "/run/systemd/generator.early",
      "/etc/systemd/system",         "/etc/systemd/system.attached",
      "/run/systemd/system",         "/run/systemd/system.attached",
      "/run/systemd/generator",      "/usr/local/lib/systemd/system",
      "/lib/systemd/system",         "/usr/lib/systemd/system",
      "/run/systemd/generator.late"};
  return kPath;
}

std::vector<UnitAssignment> ParseUnitFile(std::string_view text, const std::string& file) {
  std::vector<UnitAssignment> out;
  std::string section, joined;
  bool continuing = false;
  int line_no = 0, first_line = 0;
  auto take = [&](std::string line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.empty()) return;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      return;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos || section.empty()) return;  // systemd ignores both
    out.push_back({section, Trim(std::string_view(line).substr(0, eq)),
                   Trim(std::string_view(line).substr(eq + 1)), file, first_line});
  };
  size_t start = 0;
  while (start < text.size()) {
    // systemd's read_line() ends a line at "\n", "\r", "\r\n" and NUL alike: a lone "\r"
    // or a NUL in a comment starts a directive systemd reads.
    size_t end = text.find_first_of(std::string_view("\n\r\0", 3), start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(start, end - start));
    start = end + 1;
    if (end + 1 < text.size() && text[end] == '\r' && text[end + 1] == '\n') ++start;
    ++line_no;
    const bool comment = !line.empty() && (line[0] == '#' || line[0] == ';');
    if (continuing) {
      if (comment) continue;  // systemd skips comments inside a continued line
      joined += line;
    } else {
      if (line.empty() || comment) continue;
      joined = line;
      first_line = line_no;
    }
    if (!joined.empty() && joined.back() == '\\') {
      joined.back() = ' ';
      continuing = true;
      continue;
    }
    continuing = false;
    take(joined);
  }
  if (continuing) take(joined);  // the file ended inside a continued line
  return out;
}

Result<UnitFiles> LoadUnitFiles(SysOps& sys, const SafeDir& root, const std::string& name) {
  if (std::optional<std::string> why = InvalidServiceName(name)) {
    if (TemplateOf(name).empty() || name.find('/') != std::string::npos) {
      return Status(Code::kInvalidArgument, "'" + name + "' is no service unit name: " + *why);
    }
  }
  UnitFiles u;
  u.name = u.id = name;
  CAPSET_ASSIGN_OR_RETURN(std::optional<Fragment> f, FindFragment(sys, root, name));
  if (!f && !TemplateOf(name).empty()) {
    CAPSET_ASSIGN_OR_RETURN(f, FindFragment(sys, root, TemplateOf(name)));
    if (f) f->id = name;
  }
  if (!f) return Status(Code::kNotFound, "unit " + name + " not found");
  u.fragment = f->path;
  u.id = f->id;
  u.masked = f->masked;
  if (u.masked) return u;
  CAPSET_ASSIGN_OR_RETURN(std::string text, ReadUnitText(sys, root, f->path));
  u.assignments = ParseUnitFile(text, f->path);
  u.aliases = AliasesOf(sys, root, u.id);
  u.aliases.erase(std::remove(u.aliases.begin(), u.aliases.end(), name), u.aliases.end());

  // One file per name, the first in search-path order (then name order) winning; a link to
  // /dev/null masks that name; then all of them in file-name order.
  std::map<std::string, std::string> drop_ins;
  const std::vector<std::string> names = DropInNames(name, u.id, u.aliases);
  for (const std::string& dir : UnitSearchPath()) {
    for (const std::string& n : names) {
      std::optional<SafeDir> d = OpenSearchDir(sys, root, dir + "/" + n + ".d");
      if (!d) continue;
      Result<std::vector<DirEntry>> entries = ListTrustedDirectory(sys, *d, ".conf");
      if (!entries.ok()) continue;
      for (const DirEntry& e : *entries) {
        if (drop_ins.count(e.name)) continue;
        Result<std::string> real = RealPathInRoot(sys, root, dir + "/" + n + ".d/" + e.name);
        drop_ins.emplace(e.name, real.ok() && *real != kDevNull ? *real : std::string());
      }
    }
  }
  for (const auto& [file, path] : drop_ins) {
    if (path.empty()) continue;  // masked, or a link to nothing
    Result<std::string> t = ReadUnitText(sys, root, path);
    if (!t.ok()) continue;
    u.drop_ins.push_back(path);
    for (UnitAssignment& a : ParseUnitFile(*t, path)) u.assignments.push_back(std::move(a));
  }
  for (UnitAssignment& a : u.assignments) {
    if (TakesSpecifiers(a.key)) a.value = ExpandSpecifiers(a.value, name);
  }
  return u;
}

std::vector<std::string> ListServiceUnits(SysOps& sys, const SafeDir& root) {
  std::set<std::string> names;
  ForEachServiceEntry(sys, root, [&](const SafeDir&, const DirEntry& e) {
    if (e.name.find("@.") != std::string::npos) return;
    if (e.type != DT_REG && e.type != DT_LNK && e.type != DT_UNKNOWN) return;
    names.insert(e.name);
  });
  return {names.begin(), names.end()};
}

}  // namespace capset
