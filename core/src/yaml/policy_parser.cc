// SPDX-License-Identifier: LGPL-2.1-or-later
// The policy's YAML, read through yaml_document.h (libyaml). Every problem becomes a
// Diagnostic with file:line:column.
#include "capset/policy_parser.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <set>
#include <string_view>
#include <unordered_map>

#include "capset/file_entry_index.h"
#include "capset/id_parse.h"
#include "capset/trusted_file.h"
#include "capset/unit_syntax.h"
#include "yaml_document.h"

namespace capset {
namespace {

bool ValidSettingKey(const std::string& key) {
  return !key.empty() && std::isupper(static_cast<unsigned char>(key[0])) &&
         std::all_of(key.begin(), key.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

// [Service] settings capset writes itself from the policy's own keys.
const std::map<std::string, std::string>& OwnedSettings() {
  static const auto* owned = new std::map<std::string, std::string>{
      {"User", "user"},
      {"Group", "group"},
      {"DynamicUser", "dynamic-user"},
      {"AmbientCapabilities", "ambient"},
      {"CapabilityBoundingSet", "bounding"},
      {"NoNewPrivileges", "no-new-privileges"},
      {"SecureBits", "secure-bits"},
  };
  return *owned;
}

class Parser {
 public:
  explicit Parser(const std::string& file) : file_(file) {}

  ParsedPolicy Run(std::string_view text) {
    ParsedPolicy out;
    out.policy.sources.push_back(file_);
    // SECURITY: a NUL or a control character is refused for the whole file before the YAML
    // parser sees it: what a reader stopping at the NUL and one reading past it take from
    // the file differ.
    if (auto bad = FindControlCharacter(text, /*allow_crlf=*/true)) {
      Error(yaml::Mark{bad->line - 1, bad->column - 1},
            bad->Describe() + " is not allowed in a policy file; the whole file is ignored");
      out.diagnostics = std::move(diags_);
      return out;
    }
    try {
      const yaml::Document doc(text);
      if (!doc.ok()) {
        Error(doc.error_mark(), "invalid YAML: " + doc.error());
      } else {
        Document(doc.root(), out.policy);
      }
    } catch (const std::bad_alloc&) {
      Error(yaml::Mark{}, "out of memory");
    }
    out.diagnostics = std::move(diags_);
    return out;
  }

 private:
  SourceLocation Where(const yaml::Mark& m) const {
    if (m.is_null()) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }
  void Error(const yaml::Mark& m, std::string msg) {
    diags_.push_back({Diagnostic::Severity::kError, Where(m), std::move(msg)});
  }

  bool IsMap(const yaml::Node& n, const std::string& what) {
    if (n.IsMap()) return true;
    Error(n.GetMark(), "expected " + what + " (a mapping of key: value)");
    return false;
  }
  bool IsSeq(const yaml::Node& n, const std::string& what) {
    if (n.IsSequence()) return true;
    Error(n.GetMark(), "expected " + what + " (a list)");
    return false;
  }
  std::optional<std::string> Scalar(const yaml::Node& n, const std::string& what) {
    if (n.IsScalar() && !n.Scalar().empty()) {
      std::string value = n.Scalar();
      // A "\0" escape in a quoted scalar: no name, path or text capset uses can hold one.
      if (value.find('\0') != std::string::npos) {
        Error(n.GetMark(), "expected " + what + ", got a string with a NUL byte");
        return std::nullopt;
      }
      return value;
    }
    Error(n.GetMark(), "expected " + what + " (a non-empty string)");
    return std::nullopt;
  }

  // An owner:/group:/user: value: a name systemd and NSS accept, or a number that is a valid
  // id (id_parse.h, unit_syntax.h).
  std::optional<std::string> IdValue(const yaml::Node& n, const std::string& key, bool group) {
    auto s = Scalar(n, "'" + key + "': a " + (group ? "group" : "user") + " name or number");
    if (!s) return s;
    if (IsAllDigits(*s)) {
      const Status st = group ? ParseGid(*s).status() : ParseUid(*s).status();
      if (!st.ok()) {
        Error(n.GetMark(), "'" + key + "': " + st.message());
        return std::nullopt;
      }
      return s;
    }
    if (auto why = InvalidUserGroupName(*s)) {
      Error(n.GetMark(),
            "'" + key + "': expected a " + (group ? "group" : "user") + " name, but " + *why);
      return std::nullopt;
    }
    return s;
  }

  // A files: path: absolute and normalized, no "." or ".." (SECURITY: a path is resolved
  // inside --root, and ".." would climb out of it), no empty component, no trailing '/'.
  bool ValidPath(const yaml::Node& n, const std::string& path, const char* key = "path") {
    auto bad = [&](const std::string& why) {
      Error(n.GetMark(), std::string("'") + key +
                             "': expected a normalized absolute file name, got '" + path + "' (" +
                             why + ")");
      return false;
    };
    if (path[0] != '/') return bad("not absolute");
    if (path.size() > 4095) return bad("longer than PATH_MAX");
    if (path.size() == 1 || path.back() == '/') return bad("names a directory");
    for (size_t start = 1; start <= path.size();) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      const std::string_view part(path.data() + start, end - start);
      if (part.empty()) return bad("an empty component, '//'");
      if (part == ".") return bad("a '.' component");
      if (part == "..") return bad("a '..' component, which could leave the root");
      start = end + 1;
    }
    return true;
  }
  std::optional<bool> Bool(const yaml::Node& n, const std::string& key) {
    if (n.IsScalar()) {
      std::string s = n.Scalar();
      std::transform(s.begin(), s.end(), s.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off") return false;
    }
    Error(n.GetMark(), "'" + key + "': expected true or false");
    return std::nullopt;
  }

  // Iterates a mapping, reporting unknown and duplicate keys. Runs once per entry (thousands
  // in a package's policy): the known keys are a list, not a set built per call, and a mapping
  // of a few keys remembers them in a short vector.
  template <typename Fn>
  void Keys(const yaml::Node& map, std::initializer_list<std::string_view> known,
            const std::string& where, Fn&& fn) {
    const std::vector<std::pair<yaml::Node, yaml::Node>> pairs = map.Pairs();
    std::vector<std::string> seen_few;
    std::set<std::string> seen_many;  // a hostile mapping of thousands of keys stays linear
    const bool many = pairs.size() > 16;
    auto first_time = [&](const std::string& key) {
      if (many) return seen_many.insert(key).second;
      if (std::find(seen_few.begin(), seen_few.end(), key) != seen_few.end()) return false;
      seen_few.push_back(key);
      return true;
    };
    for (const auto& [key_node, value] : pairs) {
      if (!key_node.IsScalar()) {
        Error(key_node.GetMark(), "expected a key name in " + where);
        continue;
      }
      const std::string key = key_node.Scalar();
      if (!first_time(key)) {
        Error(key_node.GetMark(), "duplicate key '" + key + "' in " + where);
        continue;
      }
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        const std::set<std::string_view> sorted(known.begin(), known.end());
        std::string list;
        for (const auto& k : sorted) list += (list.empty() ? "" : ", ") + std::string(k);
        Error(key_node.GetMark(),
              "unknown key '" + key + "' in " + where + " (expected one of: " + list + ")");
        continue;
      }
      fn(key, value, key_node.GetMark());
    }
  }

  std::optional<CapMask> CapList(const yaml::Node& n, const std::string& key) {
    if (!IsSeq(n, "'" + key + "': a list of capability names such as [CAP_NET_RAW]")) {
      return std::nullopt;
    }
    CapMask mask = 0;
    bool ok = true;
    for (const auto& item : n.Items()) {
      if (!item.IsScalar()) {
        Error(item.GetMark(), "'" + key + "': expected a capability name");
        ok = false;
        continue;
      }
      Result<int> cap = CapFromName(item.Scalar());
      if (!cap.ok()) {
        Error(item.GetMark(), "'" + key + "': " + cap.status().message());
        ok = false;
        continue;
      }
      mask |= CapBit(*cap);
    }
    return ok ? std::optional<CapMask>(mask) : std::nullopt;
  }

  void Document(const yaml::Node& root, Policy& policy) {
    if (root.IsNull()) return;  // an empty file is a valid, empty policy
    if (!IsMap(root, "a policy document with sections files, services, users, capsetd")) return;
    Keys(root, {"version", "files", "services", "users", "capsetd"}, "the policy document",
         [&](const std::string& key, const yaml::Node& v, const yaml::Mark&) {
           if (key == "version") {
             if (!v.IsScalar() || v.Scalar() != std::to_string(kPolicyVersion)) {
               Error(v.GetMark(), "unsupported policy version (expected version: " +
                                      std::to_string(kPolicyVersion) + ")");
             }
           } else if (key == "files") {
             Files(v, policy);
           } else if (key == "services") {
             Services(v, policy);
           } else if (key == "users") {
             Users(v, policy);
           } else {
             Capsetd(v, policy);
           }
         });
  }

  void Files(const yaml::Node& n, Policy& policy) {
    if (!IsSeq(n, "'files': a list of {path, caps, ...} entries")) return;
    const std::vector<yaml::Node> items = n.Items();
    policy.files.reserve(policy.files.size() + items.size());
    // An index, not a scan of the entries so far: a package policy may have thousands.
    FileEntryIndex index(policy.files);
    for (const auto& item : items) {
      if (!IsMap(item, "a file entry {path: ..., caps: ...}")) continue;
      FileEntry e;
      e.where = Where(item.GetMark());
      bool has_path = false, has_caps = false, ok = true;
      Keys(item, {"path", "caps", "package", "fallback", "owner", "group", "mode"}, "a file entry",
           [&](const std::string& key, const yaml::Node& v, const yaml::Mark&) {
             const size_t before = diags_.size();
             if (key == "path") {
               auto s = Scalar(v, "'path': an absolute file name");
               if (s) has_path = true;
               if (s && ValidPath(v, *s)) e.path = *s;
             } else if (key == "caps") {
               auto s =
                   Scalar(v, "'caps': capabilities in cap_from_text(3) form, e.g. cap_net_raw=p");
               if (s) {
                 const Result<FileCaps>& caps = ParseCaps(*s);
                 if (!caps.ok()) {
                   Error(v.GetMark(), "'caps': " + caps.status().message());
                 } else {
                   e.caps = *caps, e.caps_text = *s, has_caps = true;
                 }
               }
             } else if (key == "package") {
               if (auto s = Scalar(v, "'package': a package name")) e.package = *s;
             } else if (key == "fallback") {
               auto s = Scalar(v, "'fallback': setuid or none");
               if (s && *s == "setuid") {
                 e.fallback = FileEntry::Fallback::kSetuid;
               } else if (s && *s == "none") {
                 e.fallback = FileEntry::Fallback::kNone;
               } else if (s) {
                 Error(v.GetMark(), "'fallback': expected setuid or none, got '" + *s + "'");
               }
             } else if (key == "owner") {
               if (auto s = IdValue(v, key, false)) e.owner = *s;
             } else if (key == "group") {
               if (auto s = IdValue(v, key, true)) e.group = *s;
             } else {
               auto s = Scalar(v, "'mode': octal permission bits such as \"0755\"");
               if (s) {
                 char* end = nullptr;
                 const unsigned long m = std::strtoul(s->c_str(), &end, 8);
                 if (*end != '\0' || m > 07777) {
                   Error(
                       v.GetMark(),
                       "'mode': expected octal permission bits such as \"0755\", got '" + *s + "'");
                 } else if (m & 022) {
                   // SECURITY: a file with capabilities that others may write is a
                   // privilege for them.
                   Error(v.GetMark(), "'mode': " + *s +
                                          " lets users other than root change a file with "
                                          "capabilities (expected no group or other write bit)");
                 } else {
                   e.mode = static_cast<unsigned>(m);
                 }
               }
             }
             ok = ok && diags_.size() == before;
           });
      if (!has_path) Error(item.GetMark(), "file entry without 'path'"), ok = false;
      if (!has_caps && ok) Error(item.GetMark(), "file entry without 'caps'"), ok = false;
      if (!ok) continue;
      if (const FileEntry* first = index.Find(e.path)) {
        Error(item.GetMark(), "duplicate file entry for '" + e.path + "' (first at " +
                                  first->where.ToString() + ")");
        continue;
      }
      policy.files.push_back(std::move(e));
      index.Add(policy.files.size() - 1);
    }
  }

  void Services(const yaml::Node& n, Policy& policy) {
    if (!IsMap(n, "'services': a mapping of NAME.service: {...}")) return;
    std::set<std::string> seen;
    for (const auto& [key, value] : n.Pairs()) {
      const std::optional<std::string> why =
          key.IsScalar() ? InvalidServiceName(key.Scalar()) : std::string("not a name");
      if (why) {
        Error(key.GetMark(),
              "expected a service unit name such as 'nginx.service'" +
                  (key.IsScalar() ? ", got '" + key.Scalar() + "': " + *why : std::string()));
        continue;
      }
      if (!seen.insert(key.Scalar()).second) {
        Error(key.GetMark(), "duplicate service '" + key.Scalar() + "'");
        continue;
      }
      Service(key.Scalar(), key.GetMark(), value, policy);
    }
  }

  void Service(const std::string& name, const yaml::Mark& mark, const yaml::Node& n,
               Policy& policy) {
    ServicePolicy s;
    s.name = name;
    s.where = Where(mark);
    if (n.IsNull()) {
      // At the name: an empty value has no useful position of its own.
      Error(mark, "service '" + name + "' is empty (expected at least 'user' or 'ambient')");
      return;
    }
    if (!IsMap(n, "service settings {user, ambient, bounding, template, ...}")) return;
    const size_t before = diags_.size();
    Keys(n,
         {"user", "group", "dynamic-user", "ambient", "bounding", "template", "no-new-privileges",
          "secure-bits", "exec", "settings"},
         "service '" + name + "'",
         [&](const std::string& key, const yaml::Node& v, const yaml::Mark& key_mark) {
           s.key_where[key] = Where(key_mark);
           if (key == "user") {
             if (auto u = IdValue(v, key, false)) s.user = *u;
           } else if (key == "group") {
             if (auto g = IdValue(v, key, true)) s.group = *g;
           } else if (key == "dynamic-user") {
             if (auto b = Bool(v, key)) s.dynamic_user = *b;
           } else if (key == "ambient") {
             if (auto m = CapList(v, key)) s.ambient = *m;
           } else if (key == "bounding") {
             if (auto m = CapList(v, key)) s.bounding = *m;
           } else if (key == "template") {
             if (auto t = Scalar(v, "'template': a profile name from unit-templates/")) {
               if ((*t)[0] == '.' || t->find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                          "0123456789_.-") != std::string::npos) {
                 Error(v.GetMark(), "'template': expected a profile name, got '" + *t + "'");
               } else {
                 s.template_name = *t;
               }
             }
           } else if (key == "no-new-privileges") {
             if (auto b = Bool(v, key)) s.no_new_privileges = *b;
           } else if (key == "secure-bits") {
             SecureBits(v, s);
           } else if (key == "exec") {
             auto e = Scalar(v, "'exec': the absolute path of the service's binary");
             if (e && ValidPath(v, *e, "exec")) s.exec = *e;
           } else {
             Settings(v, s);
           }
         });
    if (diags_.size() == before) policy.services.push_back(std::move(s));
  }

  void SecureBits(const yaml::Node& v, ServicePolicy& s) {
    static const std::set<std::string> kBits = {"keep-caps",       "keep-caps-locked",
                                                "no-setuid-fixup", "no-setuid-fixup-locked",
                                                "noroot",          "noroot-locked"};
    if (!IsSeq(v, "'secure-bits': a list such as [noroot, noroot-locked]")) return;
    for (const auto& b : v.Items()) {
      if (!b.IsScalar() || !kBits.count(b.Scalar())) {
        Error(b.GetMark(),
              "'secure-bits': expected one of keep-caps, keep-caps-locked, "
              "no-setuid-fixup, no-setuid-fixup-locked, noroot, noroot-locked");
        continue;
      }
      s.secure_bits.push_back(b.Scalar());
    }
  }

  void Settings(const yaml::Node& v, ServicePolicy& s) {
    if (!IsMap(v, "'settings': a mapping of systemd [Service] settings")) return;
    for (const auto& [key_node, value] : v.Pairs()) {
      if (!key_node.IsScalar() || !ValidSettingKey(key_node.Scalar())) {
        Error(key_node.GetMark(),
              "'settings': expected a systemd setting name such as "
              "ProtectSystem");
        continue;
      }
      const std::string key = key_node.Scalar();
      auto owned = OwnedSettings().find(key);
      if (owned != OwnedSettings().end()) {
        Error(key_node.GetMark(), "'settings': " + key + "= is written by capset; use the '" +
                                      owned->second + "' key instead");
        continue;
      }
      auto add = [&](const yaml::Node& val) {
        if (!val.IsScalar()) {
          Error(val.GetMark(), "'settings': " + key + ": expected a one-line value");
          return;
        }
        // SECURITY: what systemd would read as a second directive is refused here, with the
        // line and column (unit_syntax.h). Within the directive the value is systemd's own
        // syntax, as the administrator wrote it (a SystemCallFilter= item may hold a list).
        Result<std::string> checked = DropInValue(val.Scalar());
        if (!checked.ok()) {
          Error(val.GetMark(), "'settings': " + key + ": " + checked.status().message());
          return;
        }
        s.settings.emplace_back(key, *checked);
      };
      if (value.IsSequence()) {
        for (const auto& val : value.Items()) add(val);
      } else {
        add(value);
      }
    }
  }

  void Users(const yaml::Node& n, Policy& policy) {
    if (!IsSeq(n, "'users': a list of {match, inheritable, ambient, drop-bounding}")) return;
    for (const auto& item : n.Items()) {
      if (!IsMap(item, "a user rule {match: ..., ...}")) continue;
      UserRule r;
      r.where = Where(item.GetMark());
      const size_t before = diags_.size();
      bool has_match = false;
      Keys(item, {"match", "inheritable", "ambient", "drop-bounding"}, "a user rule",
           [&](const std::string& key, const yaml::Node& v, const yaml::Mark&) {
             if (key == "match") {
               if (auto m = Scalar(v, "'match': a user name, @group or *")) {
                 const std::string name = (*m)[0] == '@' ? m->substr(1) : *m;
                 const std::optional<std::string> why =
                     *m == "*" ? std::nullopt : InvalidUserGroupName(name);
                 has_match = true;
                 if (why) {
                   Error(v.GetMark(), "'match': expected a user name, @group or *, but " + *why);
                 } else {
                   r.match = *m;
                 }
               }
             } else if (auto mask = CapList(v, key)) {
               (key == "inheritable" ? r.inheritable
                : key == "ambient"   ? r.ambient
                                     : r.drop_bounding) = *mask;
             }
           });
      if (!has_match) Error(item.GetMark(), "user rule without 'match'");
      if (diags_.size() == before) {
        r.inheritable |= r.ambient;  // an ambient capability must be inheritable
        policy.users.push_back(std::move(r));
      }
    }
  }

  void Capsetd(const yaml::Node& n, Policy& policy) {
    if (!IsMap(n, "'capsetd': {allow: [...]}")) return;
    Keys(n, {"allow"}, "'capsetd'",
         [&](const std::string&, const yaml::Node& v, const yaml::Mark&) {
           if (!IsSeq(v, "'allow': a list of {user|group, actions}")) return;
           for (const auto& item : v.Items()) {
             if (!IsMap(item, "an allow rule {group: ..., actions: [...]}")) continue;
             CapsetdRule r;
             r.where = Where(item.GetMark());
             const size_t before = diags_.size();
             Keys(item, {"user", "group", "actions"}, "an allow rule",
                  [&](const std::string& key, const yaml::Node& val, const yaml::Mark&) {
                    if (key == "user") {
                      if (auto s = IdValue(val, key, false)) r.user = *s;
                    } else if (key == "group") {
                      if (auto s = IdValue(val, key, true)) r.group = *s;
                    } else if (IsSeq(val, "'actions': a list such as [apply, verify]")) {
                      for (const auto& a : val.Items()) {
                        if (!a.IsScalar() || (a.Scalar() != "apply" && a.Scalar() != "verify")) {
                          Error(a.GetMark(), "'actions': expected apply or verify");
                          continue;
                        }
                        r.actions.push_back(a.Scalar());
                      }
                    }
                  });
             if (!r.user && !r.group) Error(item.GetMark(), "allow rule without 'user' or 'group'");
             if (r.actions.empty() && diags_.size() == before) {
               Error(item.GetMark(), "allow rule without 'actions'");
             }
             if (diags_.size() == before) policy.capsetd_allow.push_back(std::move(r));
           }
         });
  }

  // libcap's parser is not cheap and a package's entries repeat a few texts.
  const Result<FileCaps>& ParseCaps(const std::string& text) {
    auto it = caps_cache_.find(text);
    if (it == caps_cache_.end()) it = caps_cache_.emplace(text, FileCaps::FromText(text)).first;
    return it->second;
  }

  std::string file_;
  std::vector<Diagnostic> diags_;
  std::unordered_map<std::string, Result<FileCaps>> caps_cache_;
};

}  // namespace

std::string SourceLocation::ToString() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::ToString() const {
  return where.ToString() + (severity == Severity::kError ? ": error: " : ": warning: ") + message;
}

bool ParsedPolicy::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

ParsedPolicy ParsePolicy(std::string_view text, const std::string& filename) {
  return Parser(filename).Run(text);
}

}  // namespace capset
