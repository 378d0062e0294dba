// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what the processes of a running system are: their control group, users,
// capability sets and listening sockets, read from /proc in one pass (capctl audit
// --services). Each network namespace's socket tables are read once, through a process in it.
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "capset/status.h"

namespace capset {

struct ListeningSocket {
  std::string protocol;  ///< "tcp", "tcp6", "udp", "udp6"
  std::string address;   ///< "0.0.0.0", "::", "127.0.0.1"
  unsigned port = 0;
};

struct ServiceProcess {
  pid_t pid = 0;
  uid_t uid = 0, euid = 0;
  gid_t gid = 0, egid = 0;
  std::string comm;
  uint64_t inheritable = 0, permitted = 0, effective = 0, bounding = 0, ambient = 0;
  /// Its control groups: the unified hierarchy's ("0::") and systemd's named v1 hierarchy's
  /// (legacy and hybrid layouts), each where present ("/system.slice/ssh.service").
  std::vector<std::string> cgroups;
  std::vector<ListeningSocket> listening;
};

/// Every process /proc shows (`proc`: "/proc"), with its listening sockets. A process that
/// ends while it is read is left out.
Result<std::vector<ServiceProcess>> ReadProcesses(const std::string& proc = "/proc");

/// The processes in `cgroup` or below it.
std::vector<ServiceProcess> ProcessesIn(const std::vector<ServiceProcess>& all,
                                        const std::string& cgroup);

/// Parses the "N:controllers:path" lines of /proc/PID/cgroup: the unified hierarchy's path
/// ("0::") and the name=systemd hierarchy's, each where there is one. Either may be all a
/// container's systemd uses: a container can see its host's v1 hierarchies at "/" beside its
/// own unified one.
std::vector<std::string> CgroupsOfProcess(std::string_view text);

/// Parses a /proc/net/{tcp,tcp6,udp,udp6} table: listening TCP sockets and bound UDP ones,
/// by socket inode.
std::map<uint64_t, ListeningSocket> ParseSocketTable(std::string_view text,
                                                     const std::string& protocol);

}  // namespace capset
