// SPDX-License-Identifier: LGPL-2.1-or-later
#include <algorithm>
#include <array>
#include <string_view>

#include "capset/profile.h"

namespace capset {
namespace {

// The capability machinery and the tracing around it: never the function that asked.
constexpr std::array<std::string_view, 14> kPlumbing = {
    "cap_capable",
    "security_capable",
    "ns_capable_common",
    "ns_capable",
    "ns_capable_noaudit",
    "ns_capable_setid",
    "capable",
    "has_ns_capability",
    "has_ns_capability_noaudit",
    "has_capability",
    "has_capability_noaudit",
    "file_ns_capable",
    "capable_wrt_inode_uidgid",
    "privileged_wrt_inode_uidgid",
};

bool IsTracing(std::string_view f) {
  return f.rfind("bpf_", 0) == 0 || f.rfind("__bpf_", 0) == 0 || f.rfind("__traceiter_", 0) == 0 ||
         f.rfind("trace_", 0) == 0 || f.rfind("__trace_", 0) == 0 || f.rfind("perf_", 0) == 0;
}

// Checks whose callers ask "would it be allowed?" without needing the answer to be yes, or
// that the kernel makes silently (no audit record): the call sites that say so.
struct NoauditSite {
  std::string_view function;
  std::string_view why;
};
constexpr std::array<NoauditSite, 8> kNoaudit = {{
    {"cap_capset", "capset(2) asking whether inheritable bits may exceed the permitted set"},
    {"cap_vm_enough_memory", "memory accounting on mmap/brk (a root task gets 3% more)"},
    {"__vm_enough_memory", "memory accounting on mmap/brk (a root task gets 3% more)"},
    {"security_vm_enough_memory_mm", "memory accounting on mmap/brk"},
    {"ptracer_capable", "asked whether the tracer could trace, not needed"},
    {"has_ns_capability_noaudit", "a silent (noaudit) check"},
    {"has_capability_noaudit", "a silent (noaudit) check"},
    {"ns_capable_noaudit", "a silent (noaudit) check"},
}};

constexpr int kCapSysAdmin = 21;

}  // namespace

std::string CheckSite(const std::vector<std::string>& stack) {
  for (const auto& f : stack) {
    if (IsTracing(f)) continue;
    if (std::find(kPlumbing.begin(), kPlumbing.end(), f) != kPlumbing.end()) continue;
    return f;
  }
  return "";
}

std::optional<std::string> NoiseReason(const CapCheck& c) {
  if (c.other_cred) return std::string("made on another credential than the task's own");
  if (c.user_ns) return std::string("against a user namespace (grants nothing on the host)");
  for (const auto& f : c.stack) {
    for (const auto& n : kNoaudit) {
      if (f == n.function) return std::string(n.why) + " (" + std::string(n.function) + ")";
    }
  }
  // By the system call, where the stack does not tell (it could not be taken, or the
  // function was inlined): access(2) asks with the real user's rights and without
  // capabilities on purpose; CAP_SYS_ADMIN in the calls that map memory is its accounting.
  const std::string call = SyscallName(c.syscall);
  if (call == "access" || call == "faccessat" || call == "faccessat2") {
    return std::string("access(2) checks the real user's rights, without capabilities");
  }
  if (c.cap == kCapSysAdmin && c.stack.empty() &&
      (call == "brk" || call == "mmap" || call == "mremap" || call == "execve" ||
       call == "execveat")) {
    return std::string("memory accounting in ") + call + "() (stack unknown)";
  }
  return std::nullopt;
}

void FoldSampledChecks(std::vector<CapCheck>& checks) {
  auto same_kind = [](const CapCheck& a, const CapCheck& b) {
    return a.cap == b.cap && a.granted == b.granted && a.syscall == b.syscall &&
           a.other_cred == b.other_cred && a.user_ns == b.user_ns && a.comm == b.comm;
  };
  std::vector<CapCheck> kept;
  std::vector<CapCheck> sampled;
  for (auto& c : checks) (c.stack_sampled ? sampled : kept).push_back(std::move(c));
  for (auto& s : sampled) {
    // The most frequent sibling, preferring one that is not noise: where the stacks of a kind
    // disagree, the sampled checks count as possibly needed, for minimization to decide.
    CapCheck* best = nullptr;
    bool best_noise = true;
    for (auto& k : kept) {
      if (!same_kind(k, s)) continue;
      const bool noise = NoiseReason(k).has_value();
      if (!best || (best_noise && !noise) || (noise == best_noise && k.count > best->count)) {
        best = &k;
        best_noise = noise;
      }
    }
    if (best == nullptr) {
      kept.push_back(std::move(s));
      continue;
    }
    best->count += s.count;
    best->syscall_failed += s.syscall_failed;
    best->last_result = s.last_result;
  }
  checks = std::move(kept);
}

RunAnalysis AnalyzeRun(const TracedRun& run) {
  RunAnalysis a;
  std::array<CapEvidence, kMaxCapBits> by_cap{};
  for (const auto& c : run.checks) {
    if (c.cap < 0 || c.cap >= kMaxCapBits) continue;
    CapEvidence& e = by_cap[static_cast<size_t>(c.cap)];
    e.cap = c.cap;
    if (std::optional<std::string> why = NoiseReason(c)) {
      e.noise += c.count;
      e.noise_checks.push_back(&c);
      continue;
    }
    e.checks.push_back(&c);
    (c.granted ? e.granted : e.denied) += c.count;
  }
  for (auto& e : by_cap) {
    if (e.granted + e.denied + e.noise == 0) continue;
    auto by_count = [](const CapCheck* x, const CapCheck* y) { return x->count > y->count; };
    std::stable_sort(e.checks.begin(), e.checks.end(), by_count);
    std::stable_sort(e.noise_checks.begin(), e.noise_checks.end(), by_count);
    if (!e.noise_checks.empty()) e.noise_reason = *NoiseReason(*e.noise_checks.front());
    if (e.granted) a.candidates |= CapBit(e.cap);
    if (e.denied) a.denied |= CapBit(e.cap);
    if (!e.granted && !e.denied) a.noise_only |= CapBit(e.cap);
    a.caps.push_back(e);
  }
  // Only asked for: no check at all, or only noise ones (capset(2) itself asks about
  // CAP_SETPCAP silently).
  a.requested_only =
      (run.capset_effective | run.capset_permitted) & ~(a.candidates | a.denied) & KernelCapMask();
  a.raises_effective = a.candidates != 0 && (run.capset_effective & a.candidates) == a.candidates;
  return a;
}

}  // namespace capset
