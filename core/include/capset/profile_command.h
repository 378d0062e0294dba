// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — profiling a command end to end (capctl profile): the permissive run, minimization,
// verification, and the policy that grants what was needed. The runs are made by a
// TracedRunner (RunTraced, profile_tracer.h), so that the decisions are unit-tested with a
// fake one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "capset/profile.h"
#include "capset/profile_tracer.h"

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

/// The result of watching a running process (TraceProcess): nothing can be run again, so the
/// candidates are the needed set, unverified, and the report says so.
ProfileResult ProfileObserved(TracedRun run);

/// The files: entry for `path` (the program, absolute) that grants `result.needed`: "=p"
/// when the program raises its own effective set, else "=ep"; YAML with every string
/// quoted, lint-clean, with the evidence in comments. Empty text when nothing is needed.
Result<std::string> ProfilePolicy(const ProfileResult& result, const std::string& path);

}  // namespace capset
