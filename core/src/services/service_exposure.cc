// SPDX-License-Identifier: LGPL-2.1-or-later
// The checks, weights and ranges are systemd 252's (src/analyze/analyze-security.c, which
// Debian 12 ships); the descriptions are the words systemd-analyze prints, so that a report
// reads like the tool administrators know. The tests compare every number with the
// systemd-analyze on the machine.
#include "capset/service_exposure.h"

#include <linux/capability.h>
#include <sched.h>

#include <optional>

namespace capset {
namespace {

constexpr uint64_t Cap(int c) { return uint64_t{1} << c; }

struct Verdict {
  std::optional<uint64_t> badness;  ///< nullopt: not applicable
  std::string description;          ///< "" = the check's good/bad/n.a. words
};

struct Context {
  const SecuritySettings& s;
  const SyscallGroups& groups;
  const SyscallExists& exists;
};

struct Check {
  const char* id;
  const char* json_field;
  const char* good;
  const char* bad;
  const char* na;
  uint64_t weight;
  uint64_t range;
  Verdict (*assess)(const Context&, const Check&);
  uint64_t parameter;  ///< capability mask, namespace flags, a bool's sense, a group
  bool default_dependencies_only;
  bool (*flag)(const SecuritySettings&);
};

bool RunsPrivileged(const SecuritySettings& s) {
  if (s.user == "0" || s.user == "root") return true;
  if (s.dynamic_user) return false;
  return s.user.empty();
}

// A boolean that is good when set (parameter 0) or when not set (parameter 1: Delegate=).
Verdict AssessBool(const Context& c, const Check& k) {
  const bool v = k.flag(c.s);
  return {k.parameter ? uint64_t{v} : uint64_t{!v}, ""};
}

Verdict AssessUser(const Context& c, const Check&) {
  const std::string& u = c.s.user;
  if (u == "nobody") {
    return {9, "Service runs under as 'nobody' user, which should not be used for services"};
  }
  if (c.s.dynamic_user && u != "0" && u != "root") {
    return {0, "Service runs under a transient non-root user identity"};
  }
  if (!u.empty() && u != "0" && u != "root") {
    return {0, "Service runs under a static non-root user identity"};
  }
  return {10, ""};
}

Verdict AssessSupplementaryGroups(const Context& c, const Check&) {
  if (RunsPrivileged(c.s)) return {std::nullopt, ""};
  return {uint64_t{c.s.supplementary_groups}, ""};
}

Verdict AssessRemoveIpc(const Context& c, const Check&) {
  if (RunsPrivileged(c.s)) return {std::nullopt, ""};
  return {uint64_t{!c.s.remove_ipc}, ""};
}

Verdict AssessProtectHome(const Context& c, const Check&) {
  const std::optional<bool> b = ParseUnitBoolean(c.s.protect_home);
  if (b.has_value()) {
    return *b ? Verdict{0, "Service has no access to home directories"}
              : Verdict{10, "Service has full access to home directories"};
  }
  if (c.s.protect_home == "read-only") {
    return {5, "Service has read-only access to home directories"};
  }
  if (c.s.protect_home == "tmpfs") return {1, "Service has access to fake empty home directories"};
  return {10, "Service has full access to home directories"};
}

Verdict AssessProtectSystem(const Context& c, const Check&) {
  const std::optional<bool> b = ParseUnitBoolean(c.s.protect_system);
  if (b.has_value()) {
    return *b ? Verdict{5, "Service has limited write access to the OS file hierarchy"}
              : Verdict{10, "Service has full access to the OS file hierarchy"};
  }
  if (c.s.protect_system == "full") {
    return {3, "Service has very limited write access to the OS file hierarchy"};
  }
  if (c.s.protect_system == "strict") {
    return {0, "Service has strict read-only access to the OS file hierarchy"};
  }
  return {10, "Service has full access to the OS file hierarchy"};
}

bool EmptyOrRoot(const std::string& p) { return p.empty() || p == "/"; }

Verdict AssessRootDirectory(const Context& c, const Check&) {
  return {uint64_t{EmptyOrRoot(c.s.root_directory) && EmptyOrRoot(c.s.root_image)}, ""};
}

Verdict AssessBounding(const Context& c, const Check& k) {
  return {uint64_t{(c.s.bounding & k.parameter) != 0}, ""};
}

Verdict AssessUmask(const Context& c, const Check&) {
  const unsigned m = c.s.umask;
  if (!(m & 0002)) return {10, "Files created by service are world-writable by default"};
  if (!(m & 0004)) return {5, "Files created by service are world-readable by default"};
  if (!(m & 0020)) return {2, "Files created by service are group-writable by default"};
  if (!(m & 0040)) return {1, "Files created by service are group-readable by default"};
  return {0, "Files created by service are accessible only by service's own user by default"};
}

Verdict AssessKeyringMode(const Context& c, const Check&) {
  return {uint64_t{c.s.keyring_mode != "private"}, ""};
}

Verdict AssessProtectProc(const Context& c, const Check&) {
  if (c.s.protect_proc == "noaccess") return {1, ""};
  if (c.s.protect_proc == "invisible" || c.s.protect_proc == "ptraceable") return {0, ""};
  return {3, ""};
}

Verdict AssessProcSubset(const Context& c, const Check&) {
  return {uint64_t{c.s.proc_subset != "pid"}, ""};
}

Verdict AssessNotifyAccess(const Context& c, const Check&) {
  return {uint64_t{c.s.notify_access == "all"}, ""};
}

Verdict AssessNamespaces(const Context& c, const Check& k) {
  return {uint64_t{(c.s.namespaces_allowed & k.parameter) != 0}, ""};
}

Verdict AssessArchitectures(const Context& c, const Check&) {
  const auto& a = c.s.syscall_archs;
  if (a.empty()) return {10, "Service may execute system calls with all ABIs"};
  if (a.size() == 1 && a.count("native")) {
    return {0, "Service may execute system calls only with native ABI"};
  }
  return {8, "Service may execute system calls with multiple ABIs"};
}

const char* const kFilterGroups[] = {"@swap",      "@obsolete", "@clock", "@cpu-emulation",
                                     "@debug",     "@mount",    "@module", "@raw-io",
                                     "@reboot",    "@privileged", "@resources"};

// Whether the filter lets through a system call of `group` (systemd's syscall_names_in_filter:
// in an allow list, one of its calls listed; in a deny list, one of them not listed).
bool GroupPassesFilter(const Context& c, const std::string& group, std::set<std::string>& seen,
                       std::string& offender) {
  if (!seen.insert(group).second) return false;
  auto it = c.groups.find(group);
  if (it == c.groups.end()) return false;
  for (const std::string& item : it->second) {
    if (!item.empty() && item[0] == '@') {
      if (GroupPassesFilter(c, item, seen, offender)) return true;
      continue;
    }
    if (!c.exists(item)) continue;
    if ((c.s.syscall_filter.count(item) > 0) == c.s.syscall_allow_list) {
      offender = item;
      return true;
    }
  }
  return false;
}

Verdict AssessSyscallFilter(const Context& c, const Check& k) {
  const std::string group = kFilterGroups[k.parameter];
  bool filtering = c.s.syscall_allow_list;
  if (!filtering) {
    for (const auto& name : c.s.syscall_filter) filtering = filtering || c.exists(name);
  }
  if (!filtering) return {10, "Service does not filter system calls"};
  std::set<std::string> seen;
  std::string offender;
  const bool bad = GroupPassesFilter(c, group, seen, offender);
  if (c.s.syscall_allow_list) {
    if (bad) {
      return {9, "System call allow list defined for service, and " + group +
                     " is included (e.g. " + offender + " is allowed)"};
    }
    return {0, "System call allow list defined for service, and " + group + " is not included"};
  }
  if (bad) {
    return {10, "System call deny list defined for service, and " + group +
                    " is not included (e.g. " + offender + " is allowed)"};
  }
  return {0, "System call deny list defined for service, and " + group + " is included"};
}

Verdict AssessIpAddress(const Context& c, const Check&) {
  const SecuritySettings& s = c.s;
  if (s.ip_custom_filters) {
    return {0, "Service defines custom ingress/egress IP filters with BPF programs"};
  }
  if (!s.ip_deny_all) return {10, "Service does not define an IP address allow list"};
  if (s.ip_allow_other) return {5, "Service defines IP address allow list with non-localhost entries"};
  if (s.ip_allow_localhost) {
    return {2, "Service defines IP address allow list with only localhost entries"};
  }
  return {0, "Service blocks all IP address ranges"};
}

Verdict AssessDeviceAllow(const Context& c, const Check&) {
  if (c.s.device_policy == "strict" || c.s.device_policy == "closed") {
    return c.s.device_allow ? Verdict{5, "Service has a device ACL with some special devices"}
                            : Verdict{0, "Service has a minimal device ACL"};
  }
  return {10, "Service has no device ACL"};
}

Verdict AssessAmbient(const Context& c, const Check&) { return {uint64_t{c.s.ambient != 0}, ""}; }

#define CAPSET_FLAG(field) [](const SecuritySettings& s) { return s.field; }

constexpr const char kNaRoot[] = "Service runs as root, option does not matter";

const Check kChecks[] = {
    {"User=/DynamicUser=", "UserOrDynamicUser", nullptr, "Service runs as root user", nullptr,
     2000, 10, AssessUser, 0, false, nullptr},
    {"SupplementaryGroups=", "SupplementaryGroups", "Service has no supplementary groups",
     "Service runs with supplementary groups", kNaRoot, 200, 1, AssessSupplementaryGroups, 0,
     false, nullptr},
    {"PrivateDevices=", "PrivateDevices", "Service has no access to hardware devices",
     "Service potentially has access to hardware devices", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(private_devices)},
    {"PrivateMounts=", "PrivateMounts", "Service cannot install system mounts",
     "Service may install system mounts", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(private_mounts)},
    {"PrivateNetwork=", "PrivateNetwork", "Service has no access to the host's network",
     "Service has access to the host's network", nullptr, 2500, 1, AssessBool, 0, false,
     CAPSET_FLAG(private_network)},
    {"PrivateTmp=", "PrivateTmp", "Service has no access to other software's temporary files",
     "Service has access to other software's temporary files", nullptr, 1000, 1, AssessBool, 0,
     true, CAPSET_FLAG(private_tmp)},
    {"PrivateUsers=", "PrivateUsers", "Service does not have access to other users",
     "Service has access to other users", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(private_users)},
    {"ProtectControlGroups=", "ProtectControlGroups",
     "Service cannot modify the control group file system",
     "Service may modify the control group file system", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(protect_control_groups)},
    {"ProtectKernelModules=", "ProtectKernelModules", "Service cannot load or read kernel modules",
     "Service may load or read kernel modules", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(protect_kernel_modules)},
    {"ProtectKernelTunables=", "ProtectKernelTunables",
     "Service cannot alter kernel tunables (/proc/sys, …)", "Service may alter kernel tunables",
     nullptr, 1000, 1, AssessBool, 0, false, CAPSET_FLAG(protect_kernel_tunables)},
    {"ProtectKernelLogs=", "ProtectKernelLogs",
     "Service cannot read from or write to the kernel log ring buffer",
     "Service may read from or write to the kernel log ring buffer", nullptr, 1000, 1, AssessBool,
     0, false, CAPSET_FLAG(protect_kernel_logs)},
    {"ProtectClock=", "ProtectClock", "Service cannot write to the hardware clock or system clock",
     "Service may write to the hardware clock or system clock", nullptr, 1000, 1, AssessBool, 0,
     false, CAPSET_FLAG(protect_clock)},
    {"ProtectHome=", "ProtectHome", nullptr, nullptr, nullptr, 1000, 10, AssessProtectHome, 0,
     true, nullptr},
    {"ProtectHostname=", "ProtectHostname", "Service cannot change system host/domainname",
     "Service may change system host/domainname", nullptr, 50, 1, AssessBool, 0, false,
     CAPSET_FLAG(protect_hostname)},
    {"ProtectSystem=", "ProtectSystem", nullptr, nullptr, nullptr, 1000, 10, AssessProtectSystem,
     0, true, nullptr},
    {"RootDirectory=/RootImage=", "RootDirectoryOrRootImage",
     "Service has its own root directory/image", "Service runs within the host's root directory",
     nullptr, 200, 1, AssessRootDirectory, 0, true, nullptr},
    {"LockPersonality=", "LockPersonality", "Service cannot change ABI personality",
     "Service may change ABI personality", nullptr, 100, 1, AssessBool, 0, false,
     CAPSET_FLAG(lock_personality)},
    {"MemoryDenyWriteExecute=", "MemoryDenyWriteExecute",
     "Service cannot create writable executable memory mappings",
     "Service may create writable executable memory mappings", nullptr, 100, 1, AssessBool, 0,
     false, CAPSET_FLAG(memory_deny_write_execute)},
    {"NoNewPrivileges=", "NoNewPrivileges", "Service processes cannot acquire new privileges",
     "Service processes may acquire new privileges", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(no_new_privileges)},
    {"CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet_CAP_SYS_ADMIN",
     "Service has no administrator privileges", "Service has administrator privileges", nullptr,
     1500, 1, AssessBounding, Cap(CAP_SYS_ADMIN), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP",
     "Service cannot change UID/GID identities/capabilities",
     "Service may change UID/GID identities/capabilities", nullptr, 1500, 1, AssessBounding,
     Cap(CAP_SETUID) | Cap(CAP_SETGID) | Cap(CAP_SETPCAP), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_PTRACE", "CapabilityBoundingSet_CAP_SYS_PTRACE",
     "Service has no ptrace() debugging abilities", "Service has ptrace() debugging abilities",
     nullptr, 1500, 1, AssessBounding, Cap(CAP_SYS_PTRACE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_TIME", "CapabilityBoundingSet_CAP_SYS_TIME",
     "Service processes cannot change the system clock",
     "Service processes may change the system clock", nullptr, 1000, 1, AssessBounding,
     Cap(CAP_SYS_TIME), false, nullptr},
    {"CapabilityBoundingSet=~CAP_NET_ADMIN", "CapabilityBoundingSet_CAP_NET_ADMIN",
     "Service has no network configuration privileges",
     "Service has network configuration privileges", nullptr, 1000, 1, AssessBounding,
     Cap(CAP_NET_ADMIN), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_RAWIO", "CapabilityBoundingSet_CAP_SYS_RAWIO",
     "Service has no raw I/O access", "Service has raw I/O access", nullptr, 1000, 1,
     AssessBounding, Cap(CAP_SYS_RAWIO), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_MODULE", "CapabilityBoundingSet_CAP_SYS_MODULE",
     "Service cannot load kernel modules", "Service may load kernel modules", nullptr, 1000, 1,
     AssessBounding, Cap(CAP_SYS_MODULE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_AUDIT_*", "CapabilityBoundingSet_CAP_AUDIT",
     "Service has no audit subsystem access", "Service has audit subsystem access", nullptr, 500,
     1, AssessBounding, Cap(CAP_AUDIT_CONTROL) | Cap(CAP_AUDIT_READ) | Cap(CAP_AUDIT_WRITE),
     false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYSLOG", "CapabilityBoundingSet_CAP_SYSLOG",
     "Service has no access to kernel logging", "Service has access to kernel logging", nullptr,
     500, 1, AssessBounding, Cap(CAP_SYSLOG), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE",
     "Service has no privileges to change resource use parameters",
     "Service has privileges to change resource use parameters", nullptr, 500, 1, AssessBounding,
     Cap(CAP_SYS_NICE) | Cap(CAP_SYS_RESOURCE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_MKNOD", "CapabilityBoundingSet_CAP_MKNOD",
     "Service cannot create device nodes", "Service may create device nodes", nullptr, 500, 1,
     AssessBounding, Cap(CAP_MKNOD), false, nullptr},
    {"CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)",
     "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP",
     "Service cannot change file ownership/access mode/capabilities",
     "Service may change file ownership/access mode/capabilities unrestricted", nullptr, 1000, 1,
     AssessBounding, Cap(CAP_CHOWN) | Cap(CAP_FSETID) | Cap(CAP_SETFCAP), false, nullptr},
    {"CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)",
     "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER",
     "Service cannot override UNIX file/IPC permission checks",
     "Service may override UNIX file/IPC permission checks", nullptr, 1000, 1, AssessBounding,
     Cap(CAP_DAC_OVERRIDE) | Cap(CAP_DAC_READ_SEARCH) | Cap(CAP_FOWNER) | Cap(CAP_IPC_OWNER),
     false, nullptr},
    {"CapabilityBoundingSet=~CAP_KILL", "CapabilityBoundingSet_CAP_KILL",
     "Service cannot send UNIX signals to arbitrary processes",
     "Service may send UNIX signals to arbitrary processes", nullptr, 500, 1, AssessBounding,
     Cap(CAP_KILL), false, nullptr},
    // The JSON field's stray ')' is systemd's own.
    {"CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)",
     "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)",
     "Service has no elevated networking privileges", "Service has elevated networking privileges",
     nullptr, 500, 1, AssessBounding,
     Cap(CAP_NET_BIND_SERVICE) | Cap(CAP_NET_BROADCAST) | Cap(CAP_NET_RAW), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_BOOT", "CapabilityBoundingSet_CAP_SYS_BOOT",
     "Service cannot issue reboot()", "Service may issue reboot()", nullptr, 100, 1,
     AssessBounding, Cap(CAP_SYS_BOOT), false, nullptr},
    {"CapabilityBoundingSet=~CAP_BPF", "CapabilityBoundingSet_CAP_BPF",
     "Service may not load BPF programs", "Service may load BPF programs", nullptr, 25, 1,
     AssessBounding, Cap(CAP_BPF), false, nullptr},
    {"CapabilityBoundingSet=~CAP_MAC_*", "CapabilityBoundingSet_CAP_MAC",
     "Service cannot adjust SMACK MAC", "Service may adjust SMACK MAC", nullptr, 100, 1,
     AssessBounding, Cap(CAP_MAC_ADMIN) | Cap(CAP_MAC_OVERRIDE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE",
     "Service cannot mark files immutable", "Service may mark files immutable", nullptr, 75, 1,
     AssessBounding, Cap(CAP_LINUX_IMMUTABLE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_IPC_LOCK", "CapabilityBoundingSet_CAP_IPC_LOCK",
     "Service cannot lock memory into RAM", "Service may lock memory into RAM", nullptr, 50, 1,
     AssessBounding, Cap(CAP_IPC_LOCK), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_CHROOT", "CapabilityBoundingSet_CAP_SYS_CHROOT",
     "Service cannot issue chroot()", "Service may issue chroot()", nullptr, 50, 1,
     AssessBounding, Cap(CAP_SYS_CHROOT), false, nullptr},
    {"CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", "CapabilityBoundingSet_CAP_BLOCK_SUSPEND",
     "Service cannot establish wake locks", "Service may establish wake locks", nullptr, 25, 1,
     AssessBounding, Cap(CAP_BLOCK_SUSPEND), false, nullptr},
    {"CapabilityBoundingSet=~CAP_WAKE_ALARM", "CapabilityBoundingSet_CAP_WAKE_ALARM",
     "Service cannot program timers that wake up the system",
     "Service may program timers that wake up the system", nullptr, 25, 1, AssessBounding,
     Cap(CAP_WAKE_ALARM), false, nullptr},
    {"CapabilityBoundingSet=~CAP_LEASE", "CapabilityBoundingSet_CAP_LEASE",
     "Service cannot create file leases", "Service may create file leases", nullptr, 25, 1,
     AssessBounding, Cap(CAP_LEASE), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG",
     "Service cannot issue vhangup()", "Service may issue vhangup()", nullptr, 25, 1,
     AssessBounding, Cap(CAP_SYS_TTY_CONFIG), false, nullptr},
    {"CapabilityBoundingSet=~CAP_SYS_PACCT", "CapabilityBoundingSet_CAP_SYS_PACCT",
     "Service cannot use acct()", "Service may use acct()", nullptr, 25, 1, AssessBounding,
     Cap(CAP_SYS_PACCT), false, nullptr},
    {"UMask=", "UMask", nullptr, nullptr, nullptr, 100, 10, AssessUmask, 0, false, nullptr},
    {"KeyringMode=", "KeyringMode", "Service doesn't share key material with other services",
     "Service shares key material with other service", nullptr, 1000, 1, AssessKeyringMode, 0,
     false, nullptr},
    {"ProtectProc=", "ProtectProc", "Service has restricted access to process tree (/proc hidepid=)",
     "Service has full access to process tree (/proc hidepid=)", nullptr, 1000, 3,
     AssessProtectProc, 0, false, nullptr},
    {"ProcSubset=", "ProcSubset",
     "Service has no access to non-process /proc files (/proc subset=)",
     "Service has full access to non-process /proc files (/proc subset=)", nullptr, 10, 1,
     AssessProcSubset, 0, false, nullptr},
    {"NotifyAccess=", "NotifyAccess", "Service child processes cannot alter service state",
     "Service child processes may alter service state", nullptr, 1000, 1, AssessNotifyAccess, 0,
     false, nullptr},
    {"RemoveIPC=", "RemoveIPC", "Service user cannot leave SysV IPC objects around",
     "Service user may leave SysV IPC objects around",
     "Service runs as root, option does not apply", 100, 1, AssessRemoveIpc, 0, false, nullptr},
    {"Delegate=", "Delegate", "Service does not maintain its own delegated control group subtree",
     "Service maintains its own delegated control group subtree", nullptr, 100, 1, AssessBool, 1,
     false, CAPSET_FLAG(delegate)},
    {"RestrictRealtime=", "RestrictRealtime", "Service realtime scheduling access is restricted",
     "Service may acquire realtime scheduling", nullptr, 500, 1, AssessBool, 0, false,
     CAPSET_FLAG(restrict_realtime)},
    {"RestrictSUIDSGID=", "RestrictSUIDSGID", "SUID/SGID file creation by service is restricted",
     "Service may create SUID/SGID files", nullptr, 1000, 1, AssessBool, 0, false,
     CAPSET_FLAG(restrict_suid_sgid)},
    {"RestrictNamespaces=~user", "RestrictNamespaces_user", "Service cannot create user namespaces",
     "Service may create user namespaces", nullptr, 1500, 1, AssessNamespaces, CLONE_NEWUSER,
     false, nullptr},
    {"RestrictNamespaces=~mnt", "RestrictNamespaces_mnt",
     "Service cannot create file system namespaces", "Service may create file system namespaces",
     nullptr, 500, 1, AssessNamespaces, CLONE_NEWNS, false, nullptr},
    {"RestrictNamespaces=~ipc", "RestrictNamespaces_ipc", "Service cannot create IPC namespaces",
     "Service may create IPC namespaces", nullptr, 500, 1, AssessNamespaces, CLONE_NEWIPC, false,
     nullptr},
    {"RestrictNamespaces=~pid", "RestrictNamespaces_pid",
     "Service cannot create process namespaces", "Service may create process namespaces", nullptr,
     500, 1, AssessNamespaces, CLONE_NEWPID, false, nullptr},
    {"RestrictNamespaces=~cgroup", "RestrictNamespaces_cgroup",
     "Service cannot create cgroup namespaces", "Service may create cgroup namespaces", nullptr,
     500, 1, AssessNamespaces, CLONE_NEWCGROUP, false, nullptr},
    {"RestrictNamespaces=~net", "RestrictNamespaces_net",
     "Service cannot create network namespaces", "Service may create network namespaces", nullptr,
     500, 1, AssessNamespaces, CLONE_NEWNET, false, nullptr},
    {"RestrictNamespaces=~uts", "RestrictNamespaces_uts",
     "Service cannot create hostname namespaces", "Service may create hostname namespaces",
     nullptr, 100, 1, AssessNamespaces, CLONE_NEWUTS, false, nullptr},
    {"RestrictAddressFamilies=~AF_(INET|INET6)", "RestrictAddressFamilies_AF_INET_INET6",
     "Service cannot allocate Internet sockets", "Service may allocate Internet sockets", nullptr,
     1500, 1, AssessBool, 0, false, CAPSET_FLAG(restrict_inet)},
    {"RestrictAddressFamilies=~AF_UNIX", "RestrictAddressFamilies_AF_UNIX",
     "Service cannot allocate local sockets", "Service may allocate local sockets", nullptr, 25, 1,
     AssessBool, 0, false, CAPSET_FLAG(restrict_unix)},
    {"RestrictAddressFamilies=~AF_NETLINK", "RestrictAddressFamilies_AF_NETLINK",
     "Service cannot allocate netlink sockets", "Service may allocate netlink sockets", nullptr,
     200, 1, AssessBool, 0, false, CAPSET_FLAG(restrict_netlink)},
    {"RestrictAddressFamilies=~AF_PACKET", "RestrictAddressFamilies_AF_PACKET",
     "Service cannot allocate packet sockets", "Service may allocate packet sockets", nullptr,
     1000, 1, AssessBool, 0, false, CAPSET_FLAG(restrict_packet)},
    {"RestrictAddressFamilies=~…", "RestrictAddressFamilies_OTHER",
     "Service cannot allocate exotic sockets", "Service may allocate exotic sockets", nullptr,
     1250, 1, AssessBool, 0, false, CAPSET_FLAG(restrict_other)},
    {"SystemCallArchitectures=", "SystemCallArchitectures", nullptr, nullptr, nullptr, 1000, 10,
     AssessArchitectures, 0, false, nullptr},
    {"SystemCallFilter=~@swap", "SystemCallFilter_swap", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 0, false, nullptr},
    {"SystemCallFilter=~@obsolete", "SystemCallFilter_obsolete", nullptr, nullptr, nullptr, 250,
     10, AssessSyscallFilter, 1, false, nullptr},
    {"SystemCallFilter=~@clock", "SystemCallFilter_clock", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 2, false, nullptr},
    {"SystemCallFilter=~@cpu-emulation", "SystemCallFilter_cpu_emulation", nullptr, nullptr,
     nullptr, 250, 10, AssessSyscallFilter, 3, false, nullptr},
    {"SystemCallFilter=~@debug", "SystemCallFilter_debug", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 4, false, nullptr},
    {"SystemCallFilter=~@mount", "SystemCallFilter_mount", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 5, false, nullptr},
    {"SystemCallFilter=~@module", "SystemCallFilter_module", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 6, false, nullptr},
    {"SystemCallFilter=~@raw-io", "SystemCallFilter_raw_io", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 7, false, nullptr},
    {"SystemCallFilter=~@reboot", "SystemCallFilter_reboot", nullptr, nullptr, nullptr, 1000, 10,
     AssessSyscallFilter, 8, false, nullptr},
    {"SystemCallFilter=~@privileged", "SystemCallFilter_privileged", nullptr, nullptr, nullptr,
     700, 10, AssessSyscallFilter, 9, false, nullptr},
    {"SystemCallFilter=~@resources", "SystemCallFilter_resources", nullptr, nullptr, nullptr, 700,
     10, AssessSyscallFilter, 10, false, nullptr},
    {"IPAddressDeny=", "IPAddressDeny", nullptr, nullptr, nullptr, 1000, 10, AssessIpAddress, 0,
     false, nullptr},
    {"DeviceAllow=", "DeviceAllow", nullptr, nullptr, nullptr, 1000, 10, AssessDeviceAllow, 0,
     false, nullptr},
    {"AmbientCapabilities=", "AmbientCapabilities",
     "Service process does not receive ambient capabilities",
     "Service process receives ambient capabilities", nullptr, 500, 1, AssessAmbient, 0, false,
     nullptr},
};

#undef CAPSET_FLAG

uint64_t DivRoundUp(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

Exposure AssessExposure(const SecuritySettings& settings, const SyscallGroups& groups,
                        const SyscallExists& exists) {
  const Context c{settings, groups, exists};
  Exposure out;
  uint64_t badness_sum = 0, weight_sum = 0;
  for (const Check& k : kChecks) {
    ExposureCheck r;
    r.id = k.id;
    r.json_field = k.json_field;
    r.weight = k.weight;
    r.range = k.range;
    Verdict v;
    if (k.default_dependencies_only && !settings.default_dependencies) {
      v = {std::nullopt, "Service runs in special boot phase, option is not appropriate"};
    } else {
      v = k.assess(c, k);
    }
    r.applicable = v.badness.has_value();
    r.badness = v.badness.value_or(0);
    if (r.applicable) {
      badness_sum += DivRoundUp(r.badness * k.weight, k.range);
      weight_sum += k.weight;
    }
    const char* words = !r.applicable          ? k.na
                        : r.badness == k.range ? k.bad
                        : r.badness == 0       ? k.good
                                               : nullptr;
    r.description = !v.description.empty() ? v.description : words ? words : "";
    out.checks.push_back(std::move(r));
  }
  for (ExposureCheck& r : out.checks) {
    if (r.applicable && r.badness > 0) {
      r.share = static_cast<unsigned>(
          DivRoundUp(DivRoundUp(r.badness * r.weight * 100, r.range), weight_sum));
    }
  }
  out.value = static_cast<unsigned>(DivRoundUp(badness_sum * 100, weight_sum));
  return out;
}

std::string ExposureText(unsigned value) {
  return std::to_string(value / 10) + "." + std::to_string(value % 10);
}

const char* ExposureLevel(unsigned value) {
  if (value >= 100) return "DANGEROUS";
  if (value >= 90) return "UNSAFE";
  if (value >= 75) return "EXPOSED";
  if (value >= 50) return "MEDIUM";
  if (value >= 10) return "OK";
  if (value >= 1) return "SAFE";
  return "PERFECT";
}

void AdjustAsLiveAnalysis(SecuritySettings& s) {
  if (s.private_devices || s.private_tmp || s.protect_control_groups ||
      s.protect_kernel_tunables || s.protect_kernel_modules || s.protect_home != "no" ||
      s.protect_system != "no" || !s.root_image.empty()) {
    s.private_mounts = true;
  }
  if (s.protect_kernel_modules) s.bounding &= ~Cap(CAP_SYS_MODULE);
  if (s.protect_kernel_logs) s.bounding &= ~Cap(CAP_SYSLOG);
  if (s.protect_clock) s.bounding &= ~(Cap(CAP_SYS_TIME) | Cap(CAP_WAKE_ALARM));
  if (s.private_devices) s.bounding &= ~(Cap(CAP_MKNOD) | Cap(CAP_SYS_RAWIO));
}

}  // namespace capset
