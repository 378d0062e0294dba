// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — running a command traced by the profiler's eBPF program (capctl profile).
//
// The program (core/src/profile/bpf/capset_profile.bpf.c) is loaded from the object compiled
// into capctl (libbpf, CO-RE, a bpftool skeleton) and attached to the BTF tracepoints
// cap_capable, sys_exit and sched_process_fork/exit (and, for a unit, cgroup_mkdir and
// sched_process_exec). The command's process is added
// to the traced tasks after capctl has set its credentials and before it execs, so checks
// capctl itself makes are never counted; its children are followed from fork. Root only
// (loading BPF needs CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN).
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capset/capability.h"
#include "capset/profile.h"
#include "capset/status.h"

namespace capset {

/// How to start the command.
struct RunSpec {
  std::vector<std::string> argv;  ///< argv[0] is looked up in PATH
  /// Run as this user (its groups from the user database), else as the caller (root).
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;
  /// The capabilities the command starts with: permitted, effective, inheritable and ambient
  /// (so that they survive exec for a user other than root), and the bounding set.
  CapMask grant = 0;
  bool quiet = false;  ///< the command's stdout and stderr go to /dev/null
  /// The command's stdout goes to stderr (capctl's own stdout carries a JSON document).
  bool stdout_to_stderr = false;
  unsigned timeout_s = 0;  ///< kill the command (SIGKILL) after this many seconds; 0: never
};

/// Blocks SIGINT, SIGTERM and SIGHUP for its lifetime (nested: the outer mask comes back).
/// The watches (TraceProcess, TraceUnit) take them as "stop watching"; held around changing
/// a unit, a Ctrl-C then ends the watch rather than capctl, and the unit is put back.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  const sigset_t& set() const { return set_; }

 private:
  sigset_t set_{}, old_{};
};

/// What execvp(3) would run for `name`: itself if it has a '/', else the first PATH/name that
/// access(2) says the real user may execute (PATH as execvp's default when unset; an empty
/// entry is "."), else `name` itself. Used by the traced child and by capctl's report alike.
std::string FindInPath(const std::string& name);

/// Whether this kernel and process can trace (root, BTF, the cap_capable tracepoint): OK, or
/// an error saying what is missing.
Status ProfilerAvailable();

/// Loads and attaches the tracer, runs `spec` under it until the command (not its
/// descendants) exits, and returns every check of the tree with the kernel stacks resolved
/// from /proc/kallsyms.
Result<TracedRun> RunTraced(const RunSpec& spec);

/// Traces the running process `pid` — its threads, its descendants alive now, and every task
/// they fork from then on — for `duration_s` seconds (0: until it exits or capctl gets SIGINT
/// or SIGTERM). exit_status is -1: the process was watched, not run.
Result<TracedRun> TraceProcess(pid_t pid, unsigned duration_s);

/// A systemd unit's processes: those of its cgroup (cgroup v2) `name`, in the cgroup
/// directory `parent_dir` (its slice's), from the moment they exec.
struct UnitTarget {
  std::string parent_dir;  ///< "/sys/fs/cgroup/system.slice"
  std::string name;        ///< "web.service"
};

/// Loads the tracer, watches for the unit's cgroup (created anew, or there already), calls
/// `start` (which restarts the unit), then traces every process of the cgroup that execs (what
/// systemd does for the unit before its program runs is not counted) and what they fork, for
/// `duration_s` seconds (0: until SIGINT, SIGTERM or SIGHUP) or until `running()` says the unit
/// stopped.
/// exit_status is -1.
Result<TracedRun> TraceUnit(const UnitTarget& unit, const std::function<Status()>& start,
                            const std::function<bool()>& running, unsigned duration_s);

}  // namespace capset
