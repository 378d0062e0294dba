// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the profiler's logic (capctl profile): what a traced run's capability checks mean.
//
// A run is recorded by the tracer (profile_tracer.h: eBPF on the cap_capable tracepoint, in
// the kernel aggregated by capability, verdict, system call, kernel stack, credential and
// command) and classified here, without root and without the kernel, so that the rules are
// unit-tested:
//   noise      checks the kernel makes without needing the privilege: the "noaudit" checks
//              (the tracepoint does not say so; the call site does: cap_vm_enough_memory on
//              every mmap and brk, ptracer_capable, has_ns_capability_noaudit, ...), checks on
//              a credential that is not the task's own, and checks against a user namespace
//              other than the initial one (they grant nothing on the host);
//   candidate  a capability checked and granted at least once, not as noise;
//   denied     checked and refused (not noise);
//   requested  named in a capset(2) call of the program but never checked (mod_cap's case).
// Minimization and verification (run again without each candidate, then with the result)
// decide needed and optional; profile_command.h does the runs.
#pragma once

#include <cstdint>
#include <string_view>
#include <optional>
#include <string>
#include <vector>

#include "capset/capability.h"

namespace capset {

/// One aggregated capability check of a traced run.
struct CapCheck {
  int cap = 0;
  bool granted = false;
  int syscall = -1;                ///< the system call in progress (x86_64 number), -1: none
  std::vector<std::string> stack;  ///< kernel functions, innermost first ("cap_capable", ...)
  bool other_cred = false;         ///< on a credential that is not the task's own
  bool user_ns = false;            ///< against a non-initial user namespace
  /// The kernel took no stack (after the first few of its kind): FoldSampledChecks counts it
  /// with one of its kind that has one.
  bool stack_sampled = false;
  std::string comm;  ///< the task's command name
  uint64_t count = 0;
  uint64_t syscall_failed = 0;  ///< times the system call then returned an error
  int64_t last_result = 0;      ///< the system call's last result
};

/// A path a traced task wrote (the call succeeded), as the task named it.
enum class PathUse {
  kWrite,        ///< a file opened for writing or truncated: the file must be writable
  kCreate,       ///< an entry created, removed or renamed: its directory must be writable
  kMaybeCreate,  ///< opened with O_CREAT: the file, or its directory if it did not exist
};
struct WrittenPath {
  std::string path;  ///< absolute, or relative to the working directory
  PathUse use = PathUse::kWrite;
  bool relative_to_dirfd = false;  ///< relative to a directory descriptor: not resolvable
};

/// Everything one traced run produced.
struct TracedRun {
  std::vector<CapCheck> checks;
  int exit_status = -1;      ///< as waitpid's WEXITSTATUS, or 128 + signal
  bool timed_out = false;    ///< killed by RunSpec::timeout_s (a server still serving)
  uint64_t lost_checks = 0;  ///< not recorded (a kernel map was full)
  /// Whether kernel stacks could be named (/proc/kallsyms readable); without, call sites are
  /// unknown and noise is told by the system call alone.
  bool kernel_symbols = true;
  uint64_t lost_tasks = 0;   ///< tasks not followed
  uint64_t capset_calls = 0;
  CapMask capset_effective = 0;  ///< effective bits asked for in capset(2)
  CapMask capset_permitted = 0;  ///< permitted bits asked for in capset(2)
  // What a hardening template restricts, done by the same tasks:
  uint64_t address_families = 0;     ///< of socket(2) and socketpair(2): bit N is AF N (< 64)
  std::vector<int> syscalls;         ///< the system calls made (x86_64 numbers), ascending
  std::vector<WrittenPath> written;  ///< paths written, sorted
  uint64_t lost_paths = 0;           ///< written paths not recorded (a kernel map was full)
};

/// Adds each stack_sampled check to the most frequent check of its kind (capability, verdict,
/// system call, flags, command) that has a stack — one that is not noise where there is
/// one — and removes it; one without such a sibling stays as it is (its stack unknown).
/// Known limit: a real check that first appears after 16 noise checks of the same kind is
/// counted as noise.
void FoldSampledChecks(std::vector<CapCheck>& checks);

/// Why a check is noise, or nullopt when it is not.
std::optional<std::string> NoiseReason(const CapCheck& check);

/// The function that asked for the capability: the first frame of `stack` that is not the
/// capability machinery itself (cap_capable, security_capable, ns_capable, ...) nor the
/// tracing around it; "" when the stack is unknown.
std::string CheckSite(const std::vector<std::string>& stack);

/// The system call's name for an x86_64 number ("socket"), or "syscall N".
std::string SyscallName(int nr);

/// Whether `name` is an x86_64 system call ("socket": yes; "socketcall": no).
bool SyscallKnown(std::string_view name);

/// What one capability did in a run.
struct CapEvidence {
  int cap = 0;
  uint64_t granted = 0, denied = 0, noise = 0;
  std::vector<const CapCheck*> checks;  ///< its non-noise checks, most frequent first
  std::vector<const CapCheck*> noise_checks;
  std::string noise_reason;  ///< of the most frequent noise check
};

/// A run, per capability.
struct RunAnalysis {
  std::vector<CapEvidence> caps;  ///< by capability number
  CapMask candidates = 0;         ///< granted at least once, not as noise
  CapMask denied = 0;             ///< refused at least once, not as noise
  CapMask noise_only = 0;         ///< checked, but only as noise
  CapMask requested_only = 0;     ///< in capset(2), never checked (not even as noise)
  /// Whether the program raises its own effective set (capset(2) with effective bits of
  /// the candidates): then file capabilities need only =p, else =ep.
  bool raises_effective = false;
};

RunAnalysis AnalyzeRun(const TracedRun& run);

}  // namespace capset
