// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <map>
#include <optional>
#include <set>

#include "capset/trusted_file.h"
#include "capset/unit_syntax.h"

namespace capset {
namespace {

constexpr size_t kMaxUnitFile = 1 << 20;
constexpr int kMaxAliasHops = 8;

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

// The directory `path` below `root`, its symlinks resolved inside the root as the kernel's
// RESOLVE_IN_ROOT would (an absolute target starts again at the root, ".." stops there): a
// merged /usr makes /lib/systemd/system a path through a symlink. Every directory is then
// opened by the symlink-free walk. Nothing where it is missing.
std::optional<SafeDir> OpenSearchDir(SysOps& sys, const SafeDir& root, const std::string& path) {
  std::vector<std::string> todo = Components(path);
  std::vector<std::string> done;
  for (int hops = 0; !todo.empty();) {
    const std::string c = todo.front();
    todo.erase(todo.begin());
    if (c == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    Result<SafeDir> parent = OpenDirectoryBelow(sys, root, Join(done), kReadOnly);
    if (!parent.ok()) return std::nullopt;
    Result<struct stat> st = sys.StatAt(parent->fd.get(), c);
    if (!st.ok()) return std::nullopt;
    if (S_ISLNK(st->st_mode)) {
      Result<std::string> target = sys.ReadLinkAt(parent->fd.get(), c);
      if (!target.ok() || target->empty() || ++hops > 32) return std::nullopt;
      if ((*target)[0] == '/') done.clear();
      std::vector<std::string> more = Components(*target);
      todo.insert(todo.begin(), more.begin(), more.end());
      continue;
    }
    if (!S_ISDIR(st->st_mode)) return std::nullopt;
    done.push_back(c);
  }
  Result<SafeDir> d = OpenDirectoryBelow(sys, root, Join(done), kReadOnly);
  if (!d.ok()) return std::nullopt;
  return std::move(*d);
}

struct Fragment {
  std::string path;
  std::string id;
  bool masked = false;
};

// The file `name` names in the search path, following alias symlinks below the root.
Result<std::optional<Fragment>> FindFragment(SysOps& sys, const SafeDir& root,
                                             const std::string& name) {
  for (const std::string& dir : UnitSearchPath()) {
    std::optional<SafeDir> d = OpenSearchDir(sys, root, dir);
    if (!d) continue;
    Result<struct stat> st = sys.StatAt(d->fd.get(), name);
    if (!st.ok()) continue;
    std::string path = dir + "/" + name;
    std::string id = name;
    for (int hop = 0; S_ISLNK(st->st_mode); ++hop) {
      if (hop == kMaxAliasHops) {
        return Status(Code::kInvalidArgument, "'" + path + "': too many levels of symbolic links");
      }
      const std::string at_dir = Dirname(path);
      std::optional<SafeDir> parent = OpenSearchDir(sys, root, at_dir);
      if (!parent) break;
      CAPSET_ASSIGN_OR_RETURN(std::string target, sys.ReadLinkAt(parent->fd.get(), Basename(path)));
      if (target.empty()) break;
      if (target == "/dev/null") return std::optional<Fragment>(Fragment{path, id, true});
      path = target[0] == '/' ? target : at_dir + "/" + target;
      if (Basename(path) != id && !InvalidServiceName(Basename(path))) id = Basename(path);
      std::optional<SafeDir> next = OpenSearchDir(sys, root, Dirname(path));
      if (!next) return Status(Code::kNotFound, "'" + path + "' (an alias target) is missing");
      Result<struct stat> t = sys.StatAt(next->fd.get(), Basename(path));
      if (!t.ok()) return Status(Code::kNotFound, "'" + path + "' (an alias target) is missing");
      st = t;
    }
    if (S_ISREG(st->st_mode) && st->st_size == 0) {
      // An empty file masks, as a link to /dev/null does.
      return std::optional<Fragment>(Fragment{path, id, true});
    }
    return std::optional<Fragment>(Fragment{path, id, false});
  }
  return std::optional<Fragment>();
}

Result<std::string> ReadUnitText(SysOps& sys, const SafeDir& root, const std::string& path) {
  std::optional<SafeDir> found = OpenSearchDir(sys, root, Dirname(path));
  if (!found) return Status(Code::kNotFound, "'" + Dirname(path) + "' is missing");
  const SafeDir& dir = *found;
  TrustedReadOptions options;
  options.max_bytes = kMaxUnitFile;
  options.trust = TrustMode::kIgnore;
  CAPSET_ASSIGN_OR_RETURN(TrustedText t,
                          ReadTrustedFileAt(sys, dir, Basename(path), path, options));
  return std::move(t.text);
}

// The names whose NAME.d directories hold drop-ins for `name`.
std::vector<std::string> DropInNames(const std::string& name, const std::string& id) {
  std::vector<std::string> names = {name};
  if (id != name) names.push_back(id);
  if (const std::string t = TemplateOf(name); !t.empty()) names.push_back(t);
  const size_t dot = name.rfind('.');
  const std::string stem = name.substr(0, dot), suffix = name.substr(dot);
  for (size_t dash = stem.rfind('-'); dash != std::string::npos && dash > 0;
       dash = stem.rfind('-', dash - 1)) {
    names.push_back(stem.substr(0, dash + 1) + suffix);
    if (dash == 0) break;
  }
  names.push_back(suffix.substr(1));  // "service" → service.d/
  return names;
}

}  // namespace

const std::vector<std::string>& UnitSearchPath() {
  static const std::vector<std::string> kPath = {
      "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
      "/run/systemd/generator.early", "/etc/systemd/system",        "/etc/systemd/system.attached",
      "/run/systemd/system",          "/run/systemd/system.attached", "/run/systemd/generator",
      "/usr/local/lib/systemd/system", "/lib/systemd/system",       "/usr/lib/systemd/system",
      "/run/systemd/generator.late"};
  return kPath;
}

std::vector<UnitAssignment> ParseUnitFile(std::string_view text, const std::string& file) {
  std::vector<UnitAssignment> out;
  std::string section, joined;
  bool continuing = false;
  int line_no = 0, first_line = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = Trim(text.substr(start, end - start));
    start = end + 1;
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
    if (!joined.empty() && joined.back() == '\\' && start < text.size()) {
      joined.back() = ' ';
      continuing = true;
      continue;
    }
    continuing = false;
    if (joined.back() == '\\') joined.pop_back();
    if (joined.front() == '[' && joined.back() == ']') {
      section = joined.substr(1, joined.size() - 2);
      continue;
    }
    const size_t eq = joined.find('=');
    if (eq == std::string::npos) continue;
    out.push_back({section, Trim(std::string_view(joined).substr(0, eq)),
                   Trim(std::string_view(joined).substr(eq + 1)), file, first_line});
  }
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

  std::map<std::string, std::string> drop_ins;  // file name → path (first directory wins)
  for (const std::string& n : DropInNames(name, u.id)) {
    for (const std::string& dir : UnitSearchPath()) {
      std::optional<SafeDir> d = OpenSearchDir(sys, root, dir + "/" + n + ".d");
      if (!d) continue;
      Result<std::vector<DirEntry>> entries = ListTrustedDirectory(sys, *d, ".conf");
      if (!entries.ok()) continue;
      for (const DirEntry& e : *entries) drop_ins.emplace(e.name, dir + "/" + n + ".d/" + e.name);
    }
  }
  for (const auto& [file, path] : drop_ins) {
    Result<std::string> t = ReadUnitText(sys, root, path);
    if (!t.ok()) continue;  // a masked drop-in (a link to /dev/null) and kin
    u.drop_ins.push_back(path);
    for (UnitAssignment& a : ParseUnitFile(*t, path)) u.assignments.push_back(std::move(a));
  }
  return u;
}

std::vector<std::string> ListServiceUnits(SysOps& sys, const SafeDir& root) {
  std::set<std::string> names;
  for (const std::string& dir : UnitSearchPath()) {
    std::optional<SafeDir> d = OpenSearchDir(sys, root, dir);
    if (!d) continue;
    Result<std::vector<DirEntry>> entries = ListTrustedDirectory(sys, *d, ".service");
    if (!entries.ok()) continue;
    for (const DirEntry& e : *entries) {
      if (e.name.find("@.") != std::string::npos) continue;
      if (e.type != DT_REG && e.type != DT_LNK && e.type != DT_UNKNOWN) continue;
      names.insert(e.name);
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace capset
