// SPDX-License-Identifier: LGPL-2.1-or-later
// A unit's assignments read into the settings systemd-analyze security assesses, as systemd
// 252's unit loader reads them (src/core/load-fragment.c) and then completes them
// (unit_patch_contexts() in src/core/unit.c).
#include <arpa/inet.h>
#include <linux/capability.h>
#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <initializer_list>
#include <optional>

#include "capset/capability.h"
#include "capset/sandbox_fit.h"
#include "capset/service_exposure.h"

namespace capset {
namespace {

constexpr uint64_t kAllNamespaces = CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS |
                                    CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWUTS;

bool Bool(const std::string& v, bool fallback) { return ParseUnitBoolean(v).value_or(fallback); }

// A capability as systemd's capability_from_name() reads one: "CAP_NET_RAW" in any case, or
// its number; nothing else (no "net_raw", no second word).
std::optional<int> SystemdCapability(const std::string& word) {
  if (!word.empty() && word.find_first_not_of("0123456789") == std::string::npos) {
    if (word.size() > 2) return std::nullopt;
    const int n = std::stoi(word);
    return n < 63 ? std::optional<int>(n) : std::nullopt;
  }
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.rfind("cap_", 0) != 0) return std::nullopt;
  Result<int> cap = CapFromName(lower);
  if (!cap.ok() || CapName(*cap) != lower) return std::nullopt;
  return *cap;
}

// AmbientCapabilities=/CapabilityBoundingSet=: "~" inverts; an empty list, or the first
// assignment, replaces; later ones add (or, inverted, take away).
void AssignCapabilities(uint64_t& set, uint64_t initial, std::string value) {
  bool invert = false;
  if (!value.empty() && value[0] == '~') {
    invert = true;
    value.erase(0, 1);
  }
  uint64_t sum = 0;
  for (const std::string& w : UnitWords(value)) {
    if (std::optional<int> cap = SystemdCapability(w)) sum |= uint64_t{1} << *cap;
  }
  if (sum == 0 || set == initial) {
    set = invert ? ~sum : sum;
  } else if (invert) {
    set &= ~sum;
  } else {
    set |= sum;
  }
}

uint64_t NamespaceFlag(const std::string& name) {
  if (name == "cgroup") return CLONE_NEWCGROUP;
  if (name == "ipc") return CLONE_NEWIPC;
  if (name == "net") return CLONE_NEWNET;
  if (name == "mnt") return CLONE_NEWNS;
  if (name == "pid") return CLONE_NEWPID;
  if (name == "user") return CLONE_NEWUSER;
  if (name == "uts") return CLONE_NEWUTS;
  return 0;
}

// RestrictNamespaces=: yes (none allowed), no (all), a list of the kinds allowed, or "~" and
// the kinds refused; later lists merge, an empty one resets.
void AssignNamespaces(uint64_t& allowed, std::string value) {
  if (value.empty()) {
    allowed = ~uint64_t{0};
    return;
  }
  if (std::optional<bool> b = ParseUnitBoolean(value)) {
    allowed = *b ? 0 : kAllNamespaces;
    return;
  }
  bool invert = false;
  if (value[0] == '~') {
    invert = true;
    value.erase(0, 1);
  }
  uint64_t flags = 0;
  for (const std::string& w : UnitWords(value)) {
    const uint64_t f = NamespaceFlag(w);
    if (f == 0) return;  // systemd ignores the whole assignment
    flags |= f;
  }
  if (invert) flags = ~flags & kAllNamespaces;
  if (allowed == ~uint64_t{0}) {
    allowed = flags;
  } else if (invert) {
    allowed &= flags;
  } else {
    allowed |= flags;
  }
}

// One IPAddressAllow=/IPAddressDeny= word: its family, and whether it is the whole family
// (prefix 0) or loopback.
struct IpPrefix {
  int family = 0;
  unsigned prefix = 0;
  bool loopback = false;
};

std::vector<IpPrefix> IpPrefixes(const std::string& word) {
  if (word == "any") return {{AF_INET, 0, false}, {AF_INET6, 0, false}};
  if (word == "localhost") return {{AF_INET, 8, true}, {AF_INET6, 128, true}};
  if (word == "link-local") return {{AF_INET, 16, false}, {AF_INET6, 64, false}};
  if (word == "multicast") return {{AF_INET, 4, false}, {AF_INET6, 8, false}};
  const size_t slash = word.find('/');
  const std::string address = word.substr(0, slash);
  unsigned char buf[16] = {};
  int family = 0;
  unsigned bits = 0;
  if (::inet_pton(AF_INET, address.c_str(), buf) == 1) {
    family = AF_INET;
    bits = 32;
  } else if (::inet_pton(AF_INET6, address.c_str(), buf) == 1) {
    family = AF_INET6;
    bits = 128;
  } else {
    return {};
  }
  unsigned prefix = bits;
  if (slash != std::string::npos) {
    const std::string digits = word.substr(slash + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      return {};
    }
    prefix = static_cast<unsigned>(std::stoul(digits));
    if (prefix > bits) return {};  // systemd refuses the word
  }
  // systemd keeps the address masked to its prefix, then asks whether that is loopback.
  for (unsigned i = 0; i < bits / 8; ++i) {
    const unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;
    buf[i] = static_cast<unsigned char>(buf[i] & (0xff00u >> keep));
  }
  static const unsigned char kLoopback6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const bool loopback = family == AF_INET ? buf[0] == 127 : std::equal(buf, buf + 16, kLoopback6);
  return {{family, prefix, loopback}};
}

// One of systemd's values for an enumerated setting, or nullopt (the assignment is ignored).
std::optional<std::string> OneOf(const std::string& v, std::initializer_list<const char*> values) {
  for (const char* x : values) {
    if (v == x) return v;
  }
  return std::nullopt;
}

// ProtectSystem=/ProtectHome=: a boolean ("yes"/"no") or one of `words`; else nullopt.
std::optional<std::string> BoolOr(const std::string& v, std::initializer_list<const char*> words) {
  if (std::optional<bool> b = ParseUnitBoolean(v)) return std::string(*b ? "yes" : "no");
  return OneOf(v, words);
}

bool KnownArchitecture(const std::string& a) {
  return OneOf(a, {"native", "x86", "x86-64", "x32", "arm", "arm64", "loongarch64", "mips",
                   "mips64", "mips64-n32", "mipsel", "mipsel64", "mipsel64-n32", "parisc",
                   "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x"})
      .has_value();
}

bool KnownFamily(const std::string& f) {
  // AddressFamilyName() names the families it does not know "AF_<number>": not a name.
  return f.rfind("AF_", 0) == 0 && f.size() > 3 && (f[3] < '0' || f[3] > '9') &&
         [&] {
           for (int n = 1; n < 64; ++n) {
             if (AddressFamilyName(n) == f) return true;
           }
           return false;
         }();
}

// DeviceAllow=: a /dev path or a char-/block- group, and optional r, w, m.
bool ValidDeviceAllow(const std::string& v) {
  const std::vector<std::string> w = UnitWords(v);
  if (w.empty() || w.size() > 2) return false;
  if (w[0].rfind("/dev/", 0) != 0 && w[0].rfind("char-", 0) != 0 &&
      w[0].rfind("block-", 0) != 0) {
    return false;
  }
  return w.size() == 1 || (!w[1].empty() && w[1].find_first_not_of("rwm") == std::string::npos);
}

}  // namespace

SecuritySettings SecuritySettingsOf(const std::vector<UnitAssignment>& assignments,
                                    const SyscallGroups& groups) {
  SecuritySettings s;
  UnitListSetting families, filter;
  std::vector<IpPrefix> allow, deny;
  bool ingress = false, egress = false;
  std::string type;
  std::string notify_access;
  auto expand = [&](const std::string& w) { return ExpandSyscalls(groups, w); };

  for (const UnitAssignment& a : assignments) {
    const std::string& k = a.key;
    const std::string& v = a.value;
    if (a.section == "Unit") {
      if (k == "DefaultDependencies") s.default_dependencies = Bool(v, s.default_dependencies);
      continue;
    }
    if (a.section != "Service") continue;  // [Install], [X-...]: nothing systemd executes
    // An enumerated setting with a value systemd does not know (or an empty one) is ignored,
    // as systemd 252 ignores it: the earlier assignment stays.
    auto set_enum = [&](std::string& field, std::optional<std::string> value) {
      if (value) field = *value;
    };
    if (k == "Type") type = v;
    else if (k == "User") s.user = v;
    else if (k == "DynamicUser") s.dynamic_user = Bool(v, s.dynamic_user);
    else if (k == "SupplementaryGroups") s.supplementary_groups = !UnitWords(v).empty();
    else if (k == "AmbientCapabilities") AssignCapabilities(s.ambient, 0, v);
    else if (k == "CapabilityBoundingSet") AssignCapabilities(s.bounding, ~uint64_t{0}, v);
    else if (k == "KeyringMode") set_enum(s.keyring_mode, OneOf(v, {"inherit", "private", "shared"}));
    else if (k == "ProtectProc") set_enum(s.protect_proc, OneOf(v, {"noaccess", "invisible", "ptraceable", "default"}));
    else if (k == "ProcSubset") set_enum(s.proc_subset, OneOf(v, {"all", "pid"}));
    else if (k == "NotifyAccess") set_enum(notify_access, OneOf(v, {"none", "main", "exec", "all"}));
    else if (k == "LockPersonality") s.lock_personality = Bool(v, s.lock_personality);
    else if (k == "MemoryDenyWriteExecute") s.memory_deny_write_execute = Bool(v, s.memory_deny_write_execute);
    else if (k == "NoNewPrivileges") s.no_new_privileges = Bool(v, s.no_new_privileges);
    else if (k == "ProtectHostname") s.protect_hostname = Bool(v, s.protect_hostname);
    else if (k == "PrivateDevices") s.private_devices = Bool(v, s.private_devices);
    else if (k == "PrivateMounts") s.private_mounts = Bool(v, s.private_mounts);
    else if (k == "PrivateNetwork") s.private_network = Bool(v, s.private_network);
    else if (k == "PrivateTmp") s.private_tmp = Bool(v, s.private_tmp);
    else if (k == "PrivateUsers") s.private_users = Bool(v, s.private_users);
    else if (k == "ProtectControlGroups") s.protect_control_groups = Bool(v, s.protect_control_groups);
    else if (k == "ProtectKernelModules") s.protect_kernel_modules = Bool(v, s.protect_kernel_modules);
    else if (k == "ProtectKernelTunables") s.protect_kernel_tunables = Bool(v, s.protect_kernel_tunables);
    else if (k == "ProtectKernelLogs") s.protect_kernel_logs = Bool(v, s.protect_kernel_logs);
    else if (k == "ProtectClock") s.protect_clock = Bool(v, s.protect_clock);
    else if (k == "ProtectHome") set_enum(s.protect_home, BoolOr(v, {"read-only", "tmpfs"}));
    else if (k == "ProtectSystem") set_enum(s.protect_system, BoolOr(v, {"full", "strict"}));
    else if (k == "RemoveIPC") s.remove_ipc = Bool(v, s.remove_ipc);
    else if (k == "RestrictNamespaces") AssignNamespaces(s.namespaces_allowed, v);
    else if (k == "RestrictRealtime") s.restrict_realtime = Bool(v, s.restrict_realtime);
    else if (k == "RestrictSUIDSGID") s.restrict_suid_sgid = Bool(v, s.restrict_suid_sgid);
    else if (k == "RootDirectory") s.root_directory = v;
    else if (k == "RootImage") s.root_image = v;
    else if (k == "Delegate") s.delegate = ParseUnitBoolean(v).value_or(true);  // "" or controllers
    else if (k == "DevicePolicy") set_enum(s.device_policy, OneOf(v, {"auto", "closed", "strict"}));
    else if (k == "DeviceAllow") s.device_allow = v.empty() ? false : s.device_allow || ValidDeviceAllow(v);
    else if (k == "UMask") {
      char* end = nullptr;
      const unsigned long m = std::strtoul(v.c_str(), &end, 8);
      if (!v.empty() && *end == '\0' && m <= 0777) s.umask = static_cast<unsigned>(m);
    }
    else if (k == "SystemCallArchitectures") {
      if (UnitWords(v).empty()) s.syscall_archs.clear();
      for (const std::string& w : UnitWords(v)) {
        if (KnownArchitecture(w)) s.syscall_archs.insert(w);
      }
    }
    else if (k == "SystemCallFilter") filter.Assign(v, expand, {"@default"});
    else if (k == "RestrictAddressFamilies") {
      if (v == "none") {
        families = UnitListSetting();
        families.set = families.allow_list = true;
      } else {
        families.Assign(v, [](const std::string& w) {
          return KnownFamily(w) ? std::vector<std::string>{w} : std::vector<std::string>{};
        });
      }
    }
    else if (k == "IPAddressAllow" || k == "IPAddressDeny") {
      std::vector<IpPrefix>& list = k == "IPAddressAllow" ? allow : deny;
      if (UnitWords(v).empty()) list.clear();
      for (const std::string& w : UnitWords(v)) {
        for (const IpPrefix& p : IpPrefixes(w)) list.push_back(p);
      }
    }
    else if (k == "IPIngressFilterPath") ingress = !v.empty();
    else if (k == "IPEgressFilterPath") egress = !v.empty();
  }

  s.notify_access = !notify_access.empty() ? notify_access : type == "notify" ? "main" : "none";
  if (families.set) {
    const bool al = families.allow_list;
    s.restrict_inet = s.restrict_unix = s.restrict_netlink = s.restrict_packet =
        s.restrict_other = al;
    for (const std::string& f : families.items) {
      if (f == "AF_INET" || f == "AF_INET6") s.restrict_inet = !al;
      else if (f == "AF_UNIX") s.restrict_unix = !al;
      else if (f == "AF_NETLINK") s.restrict_netlink = !al;
      else if (f == "AF_PACKET") s.restrict_packet = !al;
      else s.restrict_other = !al;
    }
  }
  if (filter.set) {
    s.syscall_allow_list = filter.allow_list;
    s.syscall_filter = filter.items;
  }
  bool deny4 = false, deny6 = false;
  for (const IpPrefix& p : deny) {
    if (p.prefix == 0) (p.family == AF_INET ? deny4 : deny6) = true;
  }
  s.ip_deny_all = deny4 && deny6;
  for (const IpPrefix& p : allow) (p.loopback ? s.ip_allow_localhost : s.ip_allow_other) = true;
  s.ip_custom_filters = ingress || egress;

  // What the loader implies (unit_patch_contexts).
  if (s.dynamic_user) {
    s.private_tmp = true;
    s.remove_ipc = true;
    s.protect_system = "strict";
    if (s.protect_home == "no") s.protect_home = "read-only";
    s.no_new_privileges = true;
    s.restrict_suid_sgid = true;
  }
  if (s.private_devices) {
    s.bounding &= ~(CapBit(CAP_MKNOD) | CapBit(CAP_SYS_RAWIO));
    if (s.device_policy == "auto") s.device_policy = "closed";
  }
  if (s.protect_kernel_modules) s.bounding &= ~CapBit(CAP_SYS_MODULE);
  if (s.protect_kernel_logs) s.bounding &= ~CapBit(CAP_SYSLOG);
  if (!s.root_image.empty() && (s.device_policy != "auto" || s.device_allow)) {
    s.device_allow = true;  // the loop and device-mapper devices RootImage= needs
  }
  if (s.protect_clock) {
    s.bounding &= ~(CapBit(CAP_SYS_TIME) | CapBit(CAP_WAKE_ALARM));
    s.device_allow = true;  // char-rtc, read
  }
  return s;
}

}  // namespace capset
