// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — profiling a command end to end (capctl profile): the permissive run, minimization,
// verification, and the policy that grants what was needed. The runs are made by a
// TracedRunner (RunTraced, profile_tracer.h), so that the decisions are unit-tested with a
// fake one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capset/profile.h"
#include "capset/profile_tracer.h"
#include "capset/sandbox_fit.h"

namespace capset {

/// One run after the permissive one: the capabilities it had, and how it ended.
struct ProfileTrial {
  CapMask grant = 0;
  int dropped = -1;  ///< the capability left out to try (minimization), or -1
  int exit_status = -1;
  CapMask denied = 0;      ///< of the grant, refused (not as noise)
  bool succeeded = false;  ///< same exit status as the permissive run, nothing granted refused
  std::string error;       ///< the run could not be made
};

struct ProfileOptions {
  RunSpec spec;        ///< the command and its user; spec.grant is ignored
  bool verify = true;  ///< minimize and verify by running again
  /// What the permissive run can be given: the kernel's capabilities that capctl itself holds
  /// (a container's bounding set may lack some; the report then says what it could not see).
  CapMask available = KernelCapMask();
};

struct ProfileResult {
  TracedRun permissive;  ///< every capability granted
  RunAnalysis analysis;  ///< of the permissive run
  /// After minimization: without any one of them the run fails. Candidates, and capabilities
  /// only requested in capset(2) when the run fails without them.
  CapMask needed = 0;
  CapMask optional = 0;               ///< candidates the run succeeds without
  std::vector<ProfileTrial> trials;   ///< minimization, then the final verification
  bool verified = false;              ///< the final run with `needed` alone succeeded
  std::vector<std::string> warnings;  ///< lost events, what could not be seen
};

/// A traced run; RunTraced in capctl, a fake in tests.
using TracedRunner = std::function<Result<TracedRun>(const RunSpec&)>;

/// Profiles `options.spec`: one permissive run (every capability of this kernel granted),
/// then, with `verify`, one run per candidate (and per capability only requested in
/// capset(2)) without it (kept out where the run still succeeds) and a final run with the
/// needed set alone. Without `verify`, the candidates are the needed set, unproven.
Result<ProfileResult> ProfileCommand(const ProfileOptions& options, const TracedRunner& run);

/// The result of watching (TraceProcess, TraceUnit): nothing is run again, so the candidates
/// are the needed set, unverified; `how` (the report's first warning) says what was watched.
ProfileResult ProfileObserved(TracedRun run, const std::string& how);

/// What a services: entry is made of, besides the capabilities.
struct ServicePolicyInput {
  std::string unit;                  ///< "web.service"
  std::optional<std::string> user;   ///< absent: root (the entry says how to move it off root)
  std::optional<std::string> group;
  bool dynamic_user = false;
  std::string exec;           ///< the service's program, if absolute
  std::string template_name;  ///< a hardening template that fits (SuggestTemplate)
  SandboxNeeds sandbox;       ///< what the template would have refused (FitTemplate)
};

/// One entry of a generated policy: a files: entry for `program`, or a services: entry.
struct PolicyEntry {
  std::string program;  ///< absolute; the files: entry's path (no service)
  std::optional<ServicePolicyInput> service;
  CapMask needed = 0;
  bool raises_effective = false;  ///< files: "=p" (the program raises its effective set)
  bool verified = false;
  std::vector<std::string> sources;  ///< the profiles merged into it (comments)
};

/// The entry a profile makes.
PolicyEntry EntryOf(const ProfileResult& result, const std::string& program,
                    std::optional<ServicePolicyInput> service);

/// The policy document of `entries`: a files: entry per program that needs a capability ("=p"
/// when it raises its own effective set, else "=ep") and a services: entry per service (the
/// needed set in its ambient and bounding sets and no others, the template and the settings
/// it needs to start); YAML with every string quoted, lint-clean, the evidence in comments.
/// Empty text when there is nothing to write (no service, and no program needs anything).
Result<std::string> RenderPolicy(const std::vector<PolicyEntry>& entries);

/// RenderPolicy of one profile.
Result<std::string> ProfilePolicy(const ProfileResult& result, const std::string& path);
Result<std::string> ProfileServicePolicy(const ProfileResult& result,
                                         const ServicePolicyInput& input);

/// Entries of several profiles merged: one per program and one per service, with the union of
/// what each run needed ("=p" only if every run raised its effective set itself; verified only
/// if every run was); an error for runs of one service under different users.
Result<std::vector<PolicyEntry>> MergeEntries(const std::vector<PolicyEntry>& entries);

}  // namespace capset
