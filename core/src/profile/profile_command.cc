// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/profile_command.h"

#include <string>

#include "capset/file_caps.h"
#include "capset/yaml_quote.h"

namespace capset {
namespace {

// The caps of `grant` refused in `run`, not as noise.
CapMask DeniedOf(const TracedRun& run, CapMask grant) {
  CapMask denied = 0;
  for (const auto& c : run.checks) {
    if (!c.granted && (grant & CapBit(c.cap)) && !NoiseReason(c)) denied |= CapBit(c.cap);
  }
  return denied;
}

ProfileTrial Try(const ProfileOptions& options, const TracedRunner& run, int expected_exit,
                 CapMask grant, int dropped, std::vector<std::string>& warnings) {
  ProfileTrial t;
  t.grant = grant;
  t.dropped = dropped;
  RunSpec spec = options.spec;
  spec.grant = grant;
  spec.quiet = true;
  Result<TracedRun> r = run(spec);
  if (!r.ok()) {
    t.error = r.status().message();
    return t;
  }
  if (r->lost_checks || r->lost_tasks) {
    warnings.push_back("a verification run lost " + std::to_string(r->lost_checks) +
                       " checks and " + std::to_string(r->lost_tasks) + " tasks");
  }
  t.exit_status = r->exit_status;
  t.denied = DeniedOf(*r, grant);
  t.succeeded = t.exit_status == expected_exit && t.denied == 0;
  return t;
}

}  // namespace

Result<ProfileResult> ProfileCommand(const ProfileOptions& options, const TracedRunner& run) {
  ProfileResult out;
  RunSpec permissive = options.spec;
  permissive.grant = KernelCapMask() & options.available;
  if (const CapMask unseen = KernelCapMask() & ~options.available) {
    out.warnings.push_back("capctl does not hold " + CapNameList(unseen) +
                           " itself, so the command could not be given it: whether it needs it "
                           "is not known");
  }
  CAPSET_ASSIGN_OR_RETURN(out.permissive, run(permissive));
  out.analysis = AnalyzeRun(out.permissive);
  if (out.permissive.lost_checks || out.permissive.lost_tasks) {
    out.warnings.push_back("the permissive run lost " + std::to_string(out.permissive.lost_checks) +
                           " capability checks and " + std::to_string(out.permissive.lost_tasks) +
                           " tasks (kernel maps full): the profile is incomplete");
  }
  out.needed = out.analysis.candidates;
  if (!options.verify) return out;
  if (out.permissive.exit_status != 0 && !out.permissive.timed_out) {
    // Minimization compares each run with this one: against a failure, every run "succeeds".
    // (A server killed by the timeout while serving is a success to compare with.)
    out.warnings.push_back("the command exited " + std::to_string(out.permissive.exit_status) +
                           " even with every capability: nothing can be minimized or verified "
                           "against a failing run; the candidates are reported, unproven");
    return out;
  }

  // The candidates, and what the program asked for in capset(2) without it ever being
  // checked: a capset(2) call fails without it (proftpd's mod_cap), which only a run shows.
  const CapMask tried = out.analysis.candidates | out.analysis.requested_only;
  out.needed = tried;
  const int expected = out.permissive.exit_status;
  for (int c = 0; c < kMaxCapBits; ++c) {
    if (!(tried & CapBit(c))) continue;
    ProfileTrial t = Try(options, run, expected, out.needed & ~CapBit(c), c, out.warnings);
    if (!t.error.empty()) return Status(Code::kIoError, t.error);
    if (t.succeeded) out.needed &= ~CapBit(c);
    out.trials.push_back(std::move(t));
  }
  out.optional = out.analysis.candidates & ~out.needed;
  ProfileTrial final_run = Try(options, run, expected, out.needed, -1, out.warnings);
  if (!final_run.error.empty()) return Status(Code::kIoError, final_run.error);
  out.verified = final_run.succeeded;
  out.trials.push_back(std::move(final_run));
  return out;
}

ProfileResult ProfileObserved(TracedRun run) {
  ProfileResult out;
  out.permissive = std::move(run);
  out.analysis = AnalyzeRun(out.permissive);
  out.needed = out.analysis.candidates;
  out.warnings.push_back(
      "a running process was watched, not run: it could use only the capabilities it held, "
      "and nothing was verified (what it was refused is listed as denied)");
  if (out.permissive.lost_checks || out.permissive.lost_tasks) {
    out.warnings.push_back("lost " + std::to_string(out.permissive.lost_checks) +
                           " capability checks and " + std::to_string(out.permissive.lost_tasks) +
                           " tasks (kernel maps full): the profile is incomplete");
  }
  return out;
}

Result<std::string> ProfilePolicy(const ProfileResult& result, const std::string& path) {
  if (result.needed == 0) return std::string();
  FileCaps caps;
  caps.permitted = result.needed;
  if (!result.analysis.raises_effective) caps.effective = true;
  CAPSET_ASSIGN_OR_RETURN(std::string quoted_path, YamlQuoted(path));
  CAPSET_ASSIGN_OR_RETURN(std::string quoted_caps, YamlQuoted(caps.ToText()));
  std::string text =
      "# Generated by capctl profile: the capabilities this program needed when profiled.\n"
      "# Review, then install as /etc/capset/policy.d/NAME.yaml and run\n"
      "# 'capctl policy apply' (capset.policy(5)).\n";
  text += std::string("# ") +
          (result.analysis.raises_effective
               ? "=p: the program raises its own effective set (capset(2))"
               : "=ep: the program never raised its effective set itself") +
          (result.verified ? "; verified by a run with these alone" : "; not verified") + "\n";
  text += "files:\n  - path: " + quoted_path + "\n    caps: " + quoted_caps + "\n";
  return text;
}

}  // namespace capset
