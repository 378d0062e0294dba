// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_gen.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "capset/known_daemons.h"
#include "capset/unit_syntax.h"

namespace capset {
namespace {

bool IsYes(std::string_view v) {
  std::string s(v);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s == "yes" || s == "true" || s == "on" || s == "1";
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

CapMask Cap(const char* name) { return CapBit(*CapFromName(name)); }

using Settings = std::vector<std::pair<std::string, std::string>>;
using LastMap = std::map<std::string_view, std::string_view>;

// Last value of each key: what systemd ends up with for single-valued settings. Views into
// the settings, which must outlive the map.
LastMap LastValues(const ServicePolicy* s, const UnitTemplate* tmpl) {
  LastMap last;
  if (tmpl) {
    for (const auto& [k, v] : tmpl->settings) last[k] = v;
  }
  if (s) {
    for (const auto& [k, v] : s->settings) last[k] = v;
  }
  return last;
}

std::vector<RemovedCaps> RemovedBy(const LastMap& last);

// Settings after which systemd turns on no_new_privs for the service (systemd.exec(5),
// NoNewPrivileges=). Boolean ones count only when enabled; the rest when non-empty.
const std::vector<std::string>& NnpImplyingSettings() {
  static const auto* s = new std::vector<std::string>{
      "SystemCallFilter",       "SystemCallArchitectures", "RestrictAddressFamilies",
      "RestrictNamespaces",     "PrivateDevices",          "ProtectKernelTunables",
      "ProtectKernelModules",   "ProtectKernelLogs",       "ProtectClock",
      "MemoryDenyWriteExecute", "RestrictRealtime",        "RestrictSUIDSGID",
      "LockPersonality"};
  return *s;
}

// Settings implemented with seccomp filters.
const std::vector<std::string>& SeccompSettings() {
  static const auto* s = new std::vector<std::string>{
      "SystemCallFilter",        "SystemCallArchitectures", "SystemCallLog",
      "RestrictAddressFamilies", "RestrictNamespaces",      "RestrictRealtime",
      "RestrictSUIDSGID",        "LockPersonality",         "MemoryDenyWriteExecute",
      "ProtectKernelModules",    "ProtectKernelLogs",       "ProtectClock",
      "ProtectHostname",         "PrivateDevices"};
  return *s;
}

bool IsBooleanSetting(const std::string& key) {
  static const std::set<std::string> kBool = {
      "PrivateDevices",  "ProtectKernelTunables",  "ProtectKernelModules", "ProtectKernelLogs",
      "ProtectClock",    "MemoryDenyWriteExecute", "RestrictRealtime",     "RestrictSUIDSGID",
      "LockPersonality", "ProtectHostname"};
  return kBool.count(key) > 0;
}

// The first setting in `keys` that is in effect, or "".
std::string FirstInEffect(const LastMap& last, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    auto it = last.find(k);
    if (it == last.end()) continue;
    if (IsBooleanSetting(k) ? IsYes(it->second) : !it->second.empty()) return k;
  }
  return "";
}

bool RunsAsRoot(const ServicePolicy& s) {
  if (s.dynamic_user) return false;
  return !s.user || *s.user == "root" || *s.user == "0";
}

}  // namespace

std::string SystemdCapList(CapMask mask) {
  std::string out;
  for (const auto& name : CapNames(mask)) out += (out.empty() ? "" : " ") + Upper(name);
  return out;
}

std::vector<std::pair<std::string, std::string>> EffectiveSettings(const ServicePolicy& service,
                                                                   const UnitTemplate* tmpl) {
  std::vector<std::pair<std::string, std::string>> all;
  if (tmpl) all = tmpl->settings;
  all.insert(all.end(), service.settings.begin(), service.settings.end());
  return all;
}

std::vector<RemovedCaps> CapsRemovedBySettings(
    const std::vector<std::pair<std::string, std::string>>& settings) {
  LastMap last;
  for (const auto& [k, v] : settings) last[k] = v;
  return RemovedBy(last);
}

namespace {
std::vector<RemovedCaps> RemovedBy(const LastMap& last) {
  // systemd.exec(5): these sandboxing options also drop capabilities from the bounding set.
  static const std::vector<std::pair<std::string, std::vector<const char*>>> kRemoves = {
      {"PrivateDevices", {"cap_mknod", "cap_sys_rawio"}},
      {"ProtectKernelModules", {"cap_sys_module"}},
      {"ProtectKernelLogs", {"cap_syslog"}},
      {"ProtectClock", {"cap_sys_time", "cap_wake_alarm"}},
  };
  std::vector<RemovedCaps> out;
  for (const auto& [setting, caps] : kRemoves) {
    auto it = last.find(setting);
    if (it == last.end() || !IsYes(it->second)) continue;
    CapMask mask = 0;
    for (const char* c : caps) mask |= Cap(c);
    out.push_back({setting, mask});
  }
  return out;
}
}  // namespace

Result<std::string> RenderDropIn(const ServicePolicy& s, const UnitTemplate* tmpl) {
  if (auto why = InvalidServiceName(s.name)) {
    return Status(Code::kInvalidArgument, "'" + s.name + "': " + *why);
  }
  std::string out;
  Status failed;
  // The one way a directive is written: KEY=VALUE, the value checked by DropInValue.
  auto directive = [&](const std::string& key, std::string_view value) {
    Result<std::string> v = DropInValue(value);
    if (!v.ok()) {
      if (failed.ok()) failed = v.status().WithPrefix(s.name + ": " + key + "=");
      return;
    }
    out += key + "=" + *v + "\n";
  };
  auto comment = [&](const std::string& text) { out += "# " + DropInComment(text) + "\n"; };
  comment("Generated by capset from " + s.where.file + " (service " + s.name + ").");
  comment("Do not edit: change the policy, then run 'systemctl daemon-reload'.");
  if (tmpl) comment("Hardening template: " + tmpl->name + " (" + tmpl->path + ")");
  out += "\n[Service]\n";
  if (s.dynamic_user) directive("DynamicUser", "yes");
  for (const auto& [key, name] : {std::pair<const char*, const std::optional<std::string>*>{
                                      "User", &s.user},
                                  {"Group", &s.group}}) {
    if (!*name) continue;
    if (auto why = InvalidUserGroupName(**name)) {
      if (failed.ok()) {
        failed = Status(Code::kInvalidArgument, s.name + ": " + key + "=" + **name + ": " + *why);
      }
      continue;
    }
    directive(key, **name);
  }
  const CapMask bounding = s.bounding.value_or(s.ambient);
  // An empty assignment resets what the vendor unit (or an earlier drop-in) set.
  directive("AmbientCapabilities", "");
  if (s.ambient) directive("AmbientCapabilities", SystemdCapList(s.ambient));
  directive("CapabilityBoundingSet", "");
  if (bounding) directive("CapabilityBoundingSet", SystemdCapList(bounding));
  directive("NoNewPrivileges", s.no_new_privileges ? "yes" : "no");
  if (!s.secure_bits.empty()) {
    std::string bits;
    for (size_t i = 0; i < s.secure_bits.size(); ++i) bits += (i ? " " : "") + s.secure_bits[i];
    directive("SecureBits", bits);
  }
  if (tmpl && !tmpl->settings.empty()) {
    out += "\n";
    comment("From template " + tmpl->name + ".");
    for (const auto& [k, v] : tmpl->settings) directive(k, v);
  }
  if (!s.settings.empty()) {
    out += "\n";
    comment("From the policy's settings.");
    for (const auto& [k, v] : s.settings) directive(k, v);
  }
  if (!failed.ok()) return failed;
  return out;
}

namespace {

// The capabilities that only system calls use, those calls, and what to allow for them: a
// filter that blocks them leaves the capability worth nothing. (CAP_SYSLOG, CAP_SYS_RAWIO,
// CAP_SYS_PTRACE and kin are also used through files in /proc and /dev: not listed.)
struct CapCalls {
  const char* cap;
  std::vector<const char*> calls;
  const char* allow;
};
const std::vector<CapCalls>& CapSyscalls() {
  static const std::vector<CapCalls> kList = {
      {"cap_setuid", {"setuid", "setresuid", "setreuid"}, "@setuid"},
      {"cap_setgid", {"setgid", "setresgid", "setregid", "setgroups"}, "@setuid"},
      {"cap_sys_chroot", {"chroot"}, "chroot"},
      {"cap_chown", {"chown", "fchown", "fchownat", "lchown"}, "@chown"},
      {"cap_sys_time", {"settimeofday", "clock_settime", "adjtimex", "clock_adjtime"}, "@clock"},
      {"cap_sys_boot", {"reboot", "kexec_load", "kexec_file_load"}, "@reboot"},
      {"cap_sys_module", {"init_module", "finit_module", "delete_module"}, "@module"},
      {"cap_mknod", {"mknod", "mknodat"}, "mknod mknodat"},
      {"cap_sys_pacct", {"acct"}, "acct"},
  };
  return kList;
}

// 5.-7.: what the sandbox takes away that the capabilities were for.
// What the unit's own files say (its PIDFile=) and what a filter blocks are facts: errors,
// where capset's drop-in makes them so. What capset's knowledge base says a daemon writes or
// serves may not hold for this host's configuration, and what the unit did to itself is not
// capset's doing: warnings.
template <typename At, typename Error, typename Warning>
void LintSandboxTraps(const ServicePolicy& s, const UnitTemplate* tmpl,
                      const LintOptions& options, const At& at, const Error& error,
                      const Warning& warning) {
  const CapMask bounding = s.bounding.value_or(s.ambient) | s.ambient;
  std::vector<UnitAssignment> unit;
  if (options.unit_assignments) unit = options.unit_assignments(s.name);
  // The settings in the order systemd applies them: the unit's files, then capset's drop-in
  // (the template's, then the policy's), each with where it came from.
  struct Setting {
    std::string key, value, from;
  };
  std::vector<Setting> all;
  for (const UnitAssignment& a : unit) {
    if (a.section == "Service") all.push_back({a.key, a.value, "the unit's own"});
  }
  if (tmpl) {
    for (const auto& [k, v] : tmpl->settings) all.push_back({k, v, "template " + tmpl->name});
  }
  for (const auto& [k, v] : s.settings) all.push_back({k, v, "the policy's settings"});
  auto by = [](const std::string& from) { return " (" + from + ")"; };

  // 5. A capability whose system calls the filter blocks is worth nothing.
  if (options.syscall_groups && !options.syscall_groups->empty()) {
    UnitListSetting filter;
    std::string filter_from;
    auto expand = [&](const std::string& w) { return ExpandSyscalls(*options.syscall_groups, w); };
    for (const Setting& x : all) {
      if (x.key != "SystemCallFilter") continue;
      filter.Assign(x.value, expand, {"@default"});
      if (filter_from.find(x.from) == std::string::npos) {
        filter_from += (filter_from.empty() ? "" : ", ") + x.from;
      }
    }
    for (const CapCalls& c : CapSyscalls()) {
      if (!(bounding & Cap(c.cap))) continue;
      std::string blocked;
      for (const char* call : c.calls) {
        if (!filter.Allows(call)) blocked += std::string(blocked.empty() ? "" : ", ") + call;
      }
      if (blocked.empty()) continue;
      error(at("bounding"), Upper(c.cap) + " is in the bounding set, but SystemCallFilter=" +
                                by(filter_from) + " blocks " + blocked +
                                ", the system calls it is for. Allow them in 'settings' "
                                "(SystemCallFilter: [\"" + c.allow + "\"]) or drop " +
                                Upper(c.cap) + ".");
    }
  }

  // 6. What ProtectSystem= makes read-only: the unit's PIDFile= and what a known daemon writes.
  std::string protect_system = "no", protect_home = "no", pid_file;
  std::string system_from, home_from;
  std::vector<std::string> writable;
  bool private_tmp = false;
  for (const Setting& x : all) {
    const std::string& k = x.key;
    const std::string& v = x.value;
    if (k == "ProtectSystem") {
      protect_system = v.empty() ? protect_system : v;
      system_from = x.from;
    }
    if (k == "ProtectHome") {
      protect_home = v.empty() ? protect_home : v;
      home_from = x.from;
    }
    if (k == "PIDFile") pid_file = v;
    if (k == "PrivateTmp") private_tmp = IsYes(v);
    if (k == "ReadWritePaths") {
      if (UnitWords(v).empty()) writable.clear();  // an empty assignment resets the list
      for (std::string w : UnitWords(v)) {
        while (!w.empty() && (w[0] == '-' || w[0] == '+')) w.erase(0, 1);
        writable.push_back(w);
      }
    }
    static const std::pair<const char*, const char*> kOwn[] = {{"RuntimeDirectory", "/run/"},
                                                             {"StateDirectory", "/var/lib/"},
                                                             {"CacheDirectory", "/var/cache/"},
                                                             {"LogsDirectory", "/var/log/"}};
    for (const auto& [key, root] : kOwn) {
      if (k != key) continue;
      for (const std::string& w : UnitWords(v)) writable.push_back(root + w.substr(0, w.find(':')));
    }
  }
  writable.insert(writable.end(), {"/dev", "/proc", "/sys"});
  if (private_tmp) writable.insert(writable.end(), {"/tmp", "/var/tmp"});
  const std::vector<std::string> read_only = ReadOnlyUnderProtectSystem(protect_system);
  auto is_read_only = [&](const std::string& path) {
    const bool ro = std::any_of(read_only.begin(), read_only.end(),
                                [&](const std::string& d) { return PathIsBelow(path, d); });
    return ro && std::none_of(writable.begin(), writable.end(),
                              [&](const std::string& d) { return PathIsBelow(path, d); });
  };
  const std::string ps = "ProtectSystem=" + protect_system + by(system_from);
  const bool ours = system_from != "the unit's own";
  if (!pid_file.empty() && pid_file[0] == '/' && is_read_only(pid_file)) {
    const std::string msg = "the unit writes its PIDFile=" + pid_file + ", which " + ps +
                            " makes read-only: the start would time out or fail. Add its "
                            "directory to 'settings' (ReadWritePaths: [\"" +
                            pid_file.substr(0, pid_file.rfind('/')) + "\"]).";
    if (ours) {
      error(at("template"), msg);
    } else {
      warning(at("template"), msg);
    }
  }
  const KnownDaemon* known = FindKnownDaemon(s.name, s.exec.value_or(""));
  if (known) {
    for (const std::string& w : UnitWords(known->read_write_paths)) {
      if (!is_read_only(w)) continue;
      warning(at("template"), known->program + std::string(" writes ") + w + ", which " + ps +
                                  " makes read-only. Add it to 'settings' (ReadWritePaths: [\"" +
                                  w + "\"]).");
    }
  }

  // 7. ProtectHome= against a daemon whose users log into their home directories.
  const std::optional<bool> home_flag = ParseUnitBoolean(protect_home);
  const bool hides_home =
      home_flag ? *home_flag : protect_home == "read-only" || protect_home == "tmpfs";
  if (known && known->serves_home && hides_home) {
    warning(at("template"), known->program + std::string(" serves home directories, which "
                                                         "ProtectHome=") +
                                protect_home + by(home_from) +
                                " hides or makes read-only: its users could not log in or "
                                "write their files. Set ProtectHome=no in 'settings'.");
  }
}

}  // namespace

std::vector<Diagnostic> LintService(const ServicePolicy& s, const UnitTemplate* tmpl,
                                    const LintOptions& options) {
  std::vector<Diagnostic> out;
  auto at = [&](const char* key) {
    auto it = s.key_where.find(key);
    return it != s.key_where.end() ? it->second : s.where;
  };
  auto error = [&](const SourceLocation& where, const std::string& msg) {
    out.push_back({Diagnostic::Severity::kError, where, s.name + ": " + msg});
  };
  auto warning = [&](const SourceLocation& where, const std::string& msg) {
    out.push_back({Diagnostic::Severity::kWarning, where, s.name + ": " + msg});
  };

  const LastMap last = LastValues(&s, tmpl);
  const CapMask bounding = s.bounding.value_or(s.ambient);

  // 1. Ambient capabilities must be in the bounding set, or the start fails (218/CAPABILITIES).
  if (const CapMask missing = s.ambient & ~bounding) {
    error(at("ambient"), "ambient capabilities " + SystemdCapList(missing) +
                             " are not in 'bounding'; systemd would fail the start with "
                             "status 218/CAPABILITIES. Add them to 'bounding'.");
  }
  for (const auto& removed : RemovedBy(last)) {
    if (const CapMask lost = s.ambient & removed.caps) {
      const std::string from =
          tmpl && std::any_of(tmpl->settings.begin(), tmpl->settings.end(),
                              [&](const auto& kv) { return kv.first == removed.setting; })
              ? " (set by template " + tmpl->name + ")"
              : "";
      error(at("ambient"), removed.setting + "=yes" + from + " removes " + SystemdCapList(lost) +
                               " from the bounding set, so the ambient capability cannot be "
                               "granted and the start fails with 218/CAPABILITIES. Set " +
                               removed.setting + "=no in 'settings', or choose another template.");
    }
  }

  // 1b. With PrivateUsers=, the service's capabilities live in a new user namespace and are
  //     worth nothing against the host's network, clock or files.
  if (s.ambient) {
    auto it = last.find("PrivateUsers");
    if (it != last.end() &&
        (IsYes(it->second) || it->second == "self" || it->second == "identity")) {
      const bool from_tmpl =
          tmpl && std::any_of(tmpl->settings.begin(), tmpl->settings.end(),
                              [](const auto& kv) { return kv.first == "PrivateUsers"; });
      error(at("ambient"), "PrivateUsers=" + std::string(it->second) +
                               (from_tmpl ? " (set by template " + tmpl->name + ")" : "") +
                               " puts the service in its own user namespace, where the "
                               "ambient capabilities (" +
                               SystemdCapList(s.ambient) +
                               ") grant nothing outside it (no low port on the host network, "
                               "no host clock). Set PrivateUsers=no in 'settings', or choose "
                               "another template.");
    }
  }

  // 2. Ambient capabilities for root do nothing: root already has its bounding set.
  if (s.ambient && RunsAsRoot(s)) {
    error(at(s.user ? "user" : "ambient"),
          s.user ? "ambient capabilities under User=" + *s.user +
                       " do nothing (root has every capability of its bounding set). Run the "
                       "service as a dedicated user ('user:') or with 'dynamic-user: true'."
                 : "ambient capabilities without 'user' or 'dynamic-user': the service would "
                   "run as root (or whatever the vendor unit says), where ambient capabilities "
                   "do nothing. Set 'user:' or 'dynamic-user: true'.");
  }

  // 3. File capabilities are ignored under no_new_privs (set or implied).
  if (s.exec && options.file_caps) {
    if (auto fc = options.file_caps(*s.exec)) {
      const CapMask granted = fc->permitted | fc->inheritable;
      std::string why;
      if (s.no_new_privileges) {
        why = "'no-new-privileges' is true (the default)";
      } else if (s.dynamic_user) {
        why = "DynamicUser=yes implies NoNewPrivileges=yes";
      } else if (const std::string k = FirstInEffect(last, NnpImplyingSettings()); !k.empty()) {
        why = k + "= implies NoNewPrivileges=yes";
      }
      if (granted && !why.empty()) {
        error(at("exec"), "the file capabilities of " + *s.exec + " (" + fc->ToText() +
                              ") grant nothing: " + why +
                              ". Grant them as 'ambient' (and 'bounding') instead of on the "
                              "file.");
      }
    }
  }

  // 4. systemd >= 255 drops CAP_SETUID after applying seccomp filters for User= services
  //    unless it is ambient (systemd commit 24832d10, refined by PR #30274).
  const CapMask setuid = Cap("cap_setuid");
  if ((bounding & setuid) && !(s.ambient & setuid) && !RunsAsRoot(s)) {
    const std::string k = FirstInEffect(last, SeccompSettings());
    if (!k.empty() && options.systemd_version != 0 && options.systemd_version < 255) {
      // Not affected on this systemd.
    } else if (!k.empty()) {
      const std::string msg =
          "CAP_SETUID is in the bounding set but not ambient, with User= and a seccomp "
          "option (" +
          k +
          "=): systemd 255 and later drop CAP_SETUID after installing the "
          "filter, so the service will not have it. Add CAP_SETUID to 'ambient', or drop it.";
      if (options.systemd_version >= 255) {
        error(at("bounding"), msg);
      } else {
        warning(at("bounding"), msg + " (systemd version unknown)");
      }
    }
  }
  LintSandboxTraps(s, tmpl, options, at, error, warning);
  return out;
}

}  // namespace capset
