// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/profile_command.h"


#include <algorithm>
#include <sstream>
#include <string>

#include "capset/file_caps.h"
#include "capset/policy_parser.h"
#include "capset/unit_syntax.h"
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

void WarnUnnamedStacks(ProfileResult& out) {
  if (out.permissive.kernel_symbols) return;
  out.warnings.push_back(
      "the kernel's symbols could not be read (/proc/kallsyms shows no addresses without "
      "CAP_SYSLOG): call sites are unknown, and noise is told by the system call alone");
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
  WarnUnnamedStacks(out);
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

ProfileResult ProfileObserved(TracedRun run, const std::string& how) {
  ProfileResult out;
  out.permissive = std::move(run);
  out.analysis = AnalyzeRun(out.permissive);
  out.needed = out.analysis.candidates;
  out.warnings.push_back(how);
  WarnUnnamedStacks(out);
  if (out.permissive.lost_checks || out.permissive.lost_tasks) {
    out.warnings.push_back("lost " + std::to_string(out.permissive.lost_checks) +
                           " capability checks and " + std::to_string(out.permissive.lost_tasks) +
                           " tasks (kernel maps full): the profile is incomplete");
  }
  return out;
}

}  // namespace capset

namespace capset {
namespace {

// A YAML flow list of quoted strings: ["a", "b"].
Result<std::string> QuotedList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    CAPSET_ASSIGN_OR_RETURN(std::string q, YamlQuoted(items[i]));
    out += (i ? ", " : "") + q;
  }
  return out + "]";
}

// Whether systemd reads `path` as one path in ReadWritePaths= as it is: no blanks, quotes,
// backslashes or specifiers ('%').
bool PlainPath(const std::string& path) {
  return !path.empty() && path[0] == '/' &&
         path.find_first_of(" \t\"'\\%") == std::string::npos &&
         std::all_of(path.begin(), path.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
}

// The services: entry (see RenderPolicy), indented under "services:".
Result<std::string> ServicesEntryText(const PolicyEntry& entry) {
  const ServicePolicyInput& input = *entry.service;
  std::vector<std::string> caps;
  for (int c = 0; c < kMaxCapBits; ++c) {
    if (entry.needed & CapBit(c)) caps.push_back(CapName(c));
  }
  CAPSET_ASSIGN_OR_RETURN(std::string unit, YamlQuoted(input.unit));
  CAPSET_ASSIGN_OR_RETURN(std::string cap_list, QuotedList(caps));
  std::string text;
  for (const std::string& s : entry.sources) text += "  # From " + DropInComment(s) + "\n";
  text += "  # " +
          (!entry.basis.empty() ? DropInComment(entry.basis)
           : entry.verified     ? std::string("Verified by a run with these alone.")
                                : std::string("Not verified: the service was watched, not run "
                                              "again with these alone.")) +
          "\n";
  for (const std::string& c : input.comments) {
    std::string line;
    std::istringstream words(DropInComment(c));  // blanks only: the text is prose
    for (std::string w; words >> w;) {
      if (!line.empty() && line.size() + 1 + w.size() > 94) {
        text += "  #" + line + "\n";
        line.clear();
      }
      line += " " + w;
    }
    if (!line.empty()) text += "  #" + line + "\n";
  }
  text += "  " + unit + ":\n";
  if (input.keep_root) {
    text += "    user: \"root\"\n";
  } else if (input.user) {
    CAPSET_ASSIGN_OR_RETURN(std::string user, YamlQuoted(*input.user));
    text += "    user: " + user + "\n";
  } else if (input.dynamic_user) {
    text += "    dynamic-user: true\n";
  } else {
    text += "    # It runs as root: profile it with --user USER to move it to a user of its own.\n";
  }
  if (input.group) {
    CAPSET_ASSIGN_OR_RETURN(std::string group, YamlQuoted(*input.group));
    text += "    group: " + group + "\n";
  }
  text += "    ambient: " + (input.keep_root ? std::string("[]") : cap_list) +
          "\n    bounding: " + cap_list + "\n";
  if (!input.no_new_privileges) text += "    no-new-privileges: false\n";
  if (!input.template_name.empty()) {
    CAPSET_ASSIGN_OR_RETURN(std::string t, YamlQuoted(input.template_name));
    text += "    template: " + t + "\n";
  }
  if (!input.exec.empty() && input.exec[0] == '/') {
    CAPSET_ASSIGN_OR_RETURN(std::string e, YamlQuoted(input.exec));
    text += "    exec: " + e + "\n";
  }
  const SandboxNeeds& needs = input.sandbox;
  std::vector<std::string> paths, unquotable;
  for (const std::string& p : needs.read_write_paths) {
    (PlainPath(p) ? paths : unquotable).push_back(p);
  }
  if (!paths.empty() || !needs.address_families.empty() || !needs.syscalls.empty() ||
      !input.extra_settings.empty()) {
    text += entry.basis.empty() ? "    # What the template would have refused it, seen in the profile:\n"
                                : "    # What the template would refuse it:\n";
    text += "    settings:\n";
    if (!paths.empty()) {
      CAPSET_ASSIGN_OR_RETURN(std::string l, QuotedList(paths));
      text += "      ReadWritePaths: " + l + "\n";
    }
    if (!needs.address_families.empty()) {
      CAPSET_ASSIGN_OR_RETURN(std::string l, QuotedList(needs.address_families));
      text += "      RestrictAddressFamilies: " + l + "\n";
    }
    if (!needs.syscalls.empty()) {
      CAPSET_ASSIGN_OR_RETURN(std::string l, QuotedList(needs.syscalls));
      text += "      SystemCallFilter: " + l + "\n";
    }
    for (const auto& [key, value] : input.extra_settings) {
      CAPSET_ASSIGN_OR_RETURN(std::string v, YamlQuoted(value));
      text += "      " + key + ": " + v + "\n";
    }
  }
  for (const std::string& p : unquotable) {
    text += "    # It wrote " + DropInComment(p) + ", which ReadWritePaths= cannot name as it is.\n";
  }
  for (const std::string& n : needs.notes) text += "    # Note: " + DropInComment(n) + "\n";
  return text;
}

// The files: entry (see RenderPolicy), indented under "files:".
Result<std::string> FilesEntryText(const PolicyEntry& entry) {
  FileCaps caps;
  caps.permitted = entry.needed;
  if (!entry.raises_effective) caps.effective = true;
  CAPSET_ASSIGN_OR_RETURN(std::string quoted_path, YamlQuoted(entry.program));
  CAPSET_ASSIGN_OR_RETURN(std::string quoted_caps, YamlQuoted(caps.ToText()));
  std::string text;
  for (const std::string& s : entry.sources) text += "  # From " + DropInComment(s) + "\n";
  text += std::string("  # ") +
          (entry.raises_effective ? "=p: the program raises its own effective set (capset(2))"
                                  : "=ep: the program never raised its effective set itself") +
          (entry.verified ? "; verified by a run with these alone" : "; not verified") + "\n";
  text += "  - path: " + quoted_path + "\n    caps: " + quoted_caps + "\n";
  return text;
}

}  // namespace

PolicyEntry EntryOf(const ProfileResult& result, const std::string& program,
                    std::optional<ServicePolicyInput> service) {
  PolicyEntry e;
  e.program = program;
  e.service = std::move(service);
  e.needed = result.needed;
  e.raises_effective = result.analysis.raises_effective;
  e.verified = result.verified;
  return e;
}

Result<std::string> RenderPolicy(const std::vector<PolicyEntry>& entries,
                                 const std::string& intro) {
  std::string files, services;
  for (const PolicyEntry& e : entries) {
    if (e.service) {
      CAPSET_ASSIGN_OR_RETURN(std::string text, ServicesEntryText(e));
      services += text;
    } else if (e.needed) {
      CAPSET_ASSIGN_OR_RETURN(std::string text, FilesEntryText(e));
      files += text;
    }
  }
  if (files.empty() && services.empty()) return std::string();
  std::string text =
      intro +
      "\n# Review, then install as /etc/capset/policy.d/NAME.yaml and run 'capctl policy apply'\n"
      "# (files:) and 'capctl unit generate' or a reboot (services:); see capset.policy(5).\n";
  if (!files.empty()) text += "files:\n" + files;
  if (!services.empty()) text += "services:\n" + services;
  // What capctl writes, capset reads without a word (a name that would not pass is refused
  // here, whichever way it came in: a profile, or a document given to merge).
  const ParsedPolicy parsed = ParsePolicy(text, "the generated policy");
  if (!parsed.diagnostics.empty()) {
    return Status(Code::kInvalidArgument,
                  "the policy would not be valid: " + parsed.diagnostics.front().ToString());
  }
  return text;
}

Result<std::string> ProfilePolicy(const ProfileResult& result, const std::string& path) {
  return RenderPolicy({EntryOf(result, path, std::nullopt)});
}

Result<std::string> ProfileServicePolicy(const ProfileResult& result,
                                         const ServicePolicyInput& input) {
  return RenderPolicy({EntryOf(result, input.exec, input)});
}

namespace {

void AddAll(std::vector<std::string>& into, const std::vector<std::string>& from) {
  for (const auto& f : from) {
    if (std::find(into.begin(), into.end(), f) == into.end()) into.push_back(f);
  }
  std::sort(into.begin(), into.end());
}

}  // namespace

Result<std::vector<PolicyEntry>> MergeEntries(const std::vector<PolicyEntry>& entries) {
  std::vector<PolicyEntry> out;
  for (const PolicyEntry& e : entries) {
    auto same = std::find_if(out.begin(), out.end(), [&](const PolicyEntry& o) {
      return e.service ? (o.service && o.service->unit == e.service->unit)
                       : (!o.service && o.program == e.program);
    });
    if (same == out.end()) {
      out.push_back(e);
      continue;
    }
    if (e.service) {
      ServicePolicyInput& into = *same->service;
      if (into.user != e.service->user || into.dynamic_user != e.service->dynamic_user) {
        return Status(Code::kInvalidArgument,
                      e.service->unit + " was profiled as different users (" +
                          (into.user ? *into.user : std::string("root")) + " and " +
                          (e.service->user ? *e.service->user : std::string("root")) +
                          "): merge the runs of one user");
      }
      AddAll(into.sandbox.read_write_paths, e.service->sandbox.read_write_paths);
      AddAll(into.sandbox.address_families, e.service->sandbox.address_families);
      AddAll(into.sandbox.syscalls, e.service->sandbox.syscalls);
      AddAll(into.sandbox.notes, e.service->sandbox.notes);
      if (e.service->template_name == "network-daemon") into.template_name = "network-daemon";
      if (into.exec.empty()) into.exec = e.service->exec;
    }
    same->needed |= e.needed;
    // =p works only if the program raised its own effective set in every run.
    same->raises_effective = same->raises_effective && e.raises_effective;
    same->verified = same->verified && e.verified;
    same->sources.insert(same->sources.end(), e.sources.begin(), e.sources.end());
  }
  return out;
}

}  // namespace capset
