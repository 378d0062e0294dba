// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl profile — which capabilities a command really needs: run it with every capability,
// record each check (eBPF), classify, prove by running again, and write the policy.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "capset/file_caps.h"
#include "capset/ipc/json_text.h"
#include "capset/process.h"
#include "capset/profile_command.h"
#include "capset/profile_tracer.h"
#include "cli.h"

namespace capset::capctl {
namespace {

constexpr const char kUsage[] =
    "Usage: capctl profile [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       capctl profile [--duration SEC] [--output FILE] [--json] --pid PID\n"
    "\n"
    "Runs COMMAND with every capability (as USER: in its ambient set, so that they survive\n"
    "exec), records each capability check of its whole process tree in the kernel (eBPF on\n"
    "the cap_capable tracepoint), and says per capability: needed, optional (the run succeeds\n"
    "without it), requested only (in capset(2), never checked), noise (checks the kernel\n"
    "makes without needing the privilege) or denied, with the evidence: the system call and\n"
    "its result, the command, the kernel function. Then it proves the answer: runs again\n"
    "without each candidate (minimization) and with the needed set alone (verification),\n"
    "and prints the files: policy that grants it. Root only.\n"
    "\n"
    "  --user USER       run COMMAND as USER (name or uid; groups from the user database)\n"
    "  --group GROUP     with this primary group (name or gid)\n"
    "  --output FILE     write the policy to FILE (never through a link)\n"
    "  --no-verify       one run only, no minimization or verification (for a command\n"
    "                    with side effects that must not happen twice)\n"
    "  --timeout SEC     kill COMMAND after SEC seconds (default: none)\n"
    "  --pid PID         watch the running process PID, its threads and descendants (and\n"
    "                    what they fork), until it exits, --duration passes, or Ctrl-C;\n"
    "                    nothing is run again, so nothing is verified\n"
    "  --duration SEC    with --pid: watch for SEC seconds\n"
    "  --json            print the whole report as one JSON document\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 profiled (and verified); 1 the profile failed, lost events or did not\n"
    "verify; 2 usage error.\n";

enum { kUser = 256, kGroup, kOutput, kNoVerify, kTimeout, kJson, kPid, kDuration };

struct Options {
  std::optional<std::string> user, group;
  std::string output;
  bool verify = true;
  bool json = false;
  unsigned timeout = 0;
  std::optional<pid_t> pid;
  unsigned duration = 0;
  std::vector<std::string> command;
};

// What execvp would run: argv0 looked up in PATH, made absolute.
std::string ResolveProgram(const std::string& argv0) {
  std::string found = argv0;
  if (argv0.find('/') == std::string::npos) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      const std::string candidate = dirs.substr(start, end - start) + "/" + argv0;
      if (access(candidate.c_str(), X_OK) == 0) {
        found = candidate;
        break;
      }
      start = end + 1;
    }
  }
  char real[PATH_MAX];
  return realpath(found.c_str(), real) ? std::string(real) : found;
}

Status ResolveUser(const Options& opt, RunSpec& spec) {
  if (!opt.user && !opt.group) return Status::Ok();
  if (opt.user) {
    const passwd* pw = getpwnam(opt.user->c_str());
    if (!pw && opt.user->find_first_not_of("0123456789") == std::string::npos) {
      pw = getpwuid(static_cast<uid_t>(std::strtoul(opt.user->c_str(), nullptr, 10)));
    }
    if (!pw) return Status(Code::kNotFound, "--user: unknown user '" + *opt.user + "'");
    spec.uid = pw->pw_uid;
    spec.gid = pw->pw_gid;
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(pw->pw_name, pw->pw_gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n));
    }
    groups.resize(static_cast<size_t>(n));
    spec.groups = groups;
  } else {
    spec.uid = 0;
  }
  if (opt.group) {
    const group* gr = getgrnam(opt.group->c_str());
    if (!gr && opt.group->find_first_not_of("0123456789") == std::string::npos) {
      gr = getgrgid(static_cast<gid_t>(std::strtoul(opt.group->c_str(), nullptr, 10)));
    }
    if (!gr) return Status(Code::kNotFound, "--group: unknown group '" + *opt.group + "'");
    spec.gid = gr->gr_gid;
  }
  return Status::Ok();
}

std::string Verdict(const ProfileResult& r, int cap) {
  const CapMask bit = CapBit(cap);
  if (r.analysis.requested_only & bit) return "requested only";
  if (r.needed & bit) return "needed";
  if (r.optional & bit) return "optional";
  if (r.analysis.denied & bit) return "denied";
  if (r.analysis.noise_only & bit) return "noise";
  return "checked";
}

std::string Evidence(const CapCheck& c) {
  std::string s = SyscallName(c.syscall);
  if (c.syscall >= 0) {
    s += "() = " + std::to_string(c.last_result);
    if (c.syscall_failed) s += " (failed " + std::to_string(c.syscall_failed) + "x)";
  }
  s += " in " + Printable(c.comm);
  const std::string site = CheckSite(c.stack);
  if (!site.empty()) s += ", from " + site;
  if (!c.granted) s += ", refused";
  return s;
}

nlohmann::json CheckJson(const CapCheck& c) {
  return {{"count", c.count},
          {"granted", c.granted},
          {"syscall", SyscallName(c.syscall)},
          {"syscall_result", c.last_result},
          {"syscall_failed", c.syscall_failed},
          {"command", c.comm},
          {"site", CheckSite(c.stack)},
          {"stack", c.stack}};
}

void PrintText(const ProfileResult& r, const std::string& program, const std::string& who,
               bool watched) {
  if (watched) {
    std::printf("capctl profile: %s watched with the capabilities it held: %zu distinct checks\n",
                Printable(program).c_str(), r.permissive.checks.size());
  } else {
    std::printf(
        "capctl profile: %s ran as %s with every capability: exit %d, %zu distinct "
        "checks\n",
        Printable(program).c_str(), who.c_str(), r.permissive.exit_status,
        r.permissive.checks.size());
  }
  std::printf("%-22s %-15s %8s  %s\n", "CAPABILITY", "VERDICT", "CHECKS", "EVIDENCE");
  for (const CapEvidence& e : r.analysis.caps) {
    const std::string name = CapName(e.cap);
    if (!e.checks.empty()) {
      std::printf("%-22s %-15s %8llu  %s\n", name.c_str(), Verdict(r, e.cap).c_str(),
                  static_cast<unsigned long long>(e.granted) + e.denied,
                  Evidence(*e.checks.front()).c_str());
      for (size_t i = 1; i < e.checks.size() && i < 3; ++i) {
        std::printf("%-22s %-15s %8s  %s\n", "", "", "", Evidence(*e.checks[i]).c_str());
      }
    }
    if (e.noise) {
      std::printf("%-22s %-15s %8llu  %s\n", e.checks.empty() ? name.c_str() : "", "noise",
                  static_cast<unsigned long long>(e.noise), e.noise_reason.c_str());
    }
  }
  for (int c = 0; c < kMaxCapBits; ++c) {
    if (r.analysis.requested_only & CapBit(c)) {
      const bool needed = r.needed & CapBit(c);
      std::printf("%-22s %-15s %8d  asked for in capset(2), never checked%s\n", CapName(c).c_str(),
                  "requested only", 0,
                  r.trials.empty() ? ""
                  : needed         ? "; the run fails without it"
                                   : "; the run succeeds without it");
    }
  }
  if (!r.trials.empty()) std::printf("\nProof (runs again, output discarded):\n");
  for (const ProfileTrial& t : r.trials) {
    const std::string set = t.grant ? CapNameList(t.grant) : "no capabilities";
    if (t.dropped >= 0) {
      std::printf("  without %-20s exit %d: %s\n", CapName(t.dropped).c_str(), t.exit_status,
                  t.succeeded ? "still succeeds, so it is optional" : "fails, so it is needed");
    } else {
      const std::string refused = t.denied ? ", refused " + CapNameList(t.denied) : "";
      std::printf("  with %s alone: exit %d%s: %s\n", set.c_str(), t.exit_status, refused.c_str(),
                  t.succeeded ? "verified" : "NOT verified");
    }
  }
  for (const auto& w : r.warnings) PrintWarning(w);
}

}  // namespace

const option kProfileOptions[] = {{"user", required_argument, nullptr, kUser},
                                  {"group", required_argument, nullptr, kGroup},
                                  {"output", required_argument, nullptr, kOutput},
                                  {"no-verify", no_argument, nullptr, kNoVerify},
                                  {"timeout", required_argument, nullptr, kTimeout},
                                  {"json", no_argument, nullptr, kJson},
                                  {"pid", required_argument, nullptr, kPid},
                                  {"duration", required_argument, nullptr, kDuration},
                                  {"help", no_argument, nullptr, 'h'},
                                  {nullptr, 0, nullptr, 0}};

int RunProfile(int argc, char** argv) {
  Options opt;
  optind = 1;
  // '+': options end at the command, whose own options are its own.
  for (int c; (c = getopt_long(argc, argv, "+h", kProfileOptions, nullptr)) != -1;) {
    switch (c) {
      case kUser:
        opt.user = optarg;
        break;
      case kGroup:
        opt.group = optarg;
        break;
      case kOutput:
        opt.output = optarg;
        break;
      case kNoVerify:
        opt.verify = false;
        break;
      case kJson:
        opt.json = true;
        break;
      case kTimeout:
      case kDuration: {
        char* end = nullptr;
        const unsigned long v = std::strtoul(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v == 0 || v > 86400) {
          PrintError(std::string(c == kTimeout ? "--timeout" : "--duration") +
                     ": expected seconds from 1 to 86400, got '" + optarg + "'");
          return kExitUsage;
        }
        (c == kTimeout ? opt.timeout : opt.duration) = static_cast<unsigned>(v);
        break;
      }
      case kPid: {
        char* end = nullptr;
        const long v = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v <= 0 || v > 4194304) {
          PrintError(std::string("--pid: expected a process id, got '") + optarg + "'");
          return kExitUsage;
        }
        opt.pid = static_cast<pid_t>(v);
        break;
      }
      case 'h':
        std::fputs(kUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kUsage, stderr);
        return kExitUsage;
    }
  }
  opt.command.assign(argv + optind, argv + argc);
  if (opt.pid && !opt.command.empty()) {
    PrintError("profile: --pid watches a running process; give it no COMMAND");
    return kExitUsage;
  }
  if (!opt.pid && opt.command.empty()) {
    PrintError("profile: no COMMAND given (try 'capctl profile --help')");
    return kExitUsage;
  }
  if (opt.duration && !opt.pid) {
    PrintError("profile: --duration is for --pid (a COMMAND runs until it exits; see --timeout)");
    return kExitUsage;
  }
  if (Status st = ProfilerAvailable(); !st.ok()) {
    PrintError(st.message());
    return kExitFailure;
  }
  ProfileOptions po;
  po.verify = opt.verify;
  if (Result<CapState> self = GetProcessCaps(); self.ok()) po.available = self->permitted;
  po.spec.argv = opt.command;
  po.spec.timeout_s = opt.timeout;
  po.spec.stdout_to_stderr = opt.json;
  if (Status st = ResolveUser(opt, po.spec); !st.ok()) {
    PrintError(st.message());
    return kExitUsage;
  }
  std::string program;
  Result<ProfileResult> r = Status(Code::kIoError, "not profiled");
  if (opt.pid) {
    char exe[PATH_MAX] = {};
    const std::string link = "/proc/" + std::to_string(*opt.pid) + "/exe";
    const ssize_t n = readlink(link.c_str(), exe, sizeof exe - 1);
    if (n <= 0) {
      PrintError("--pid: no process " + std::to_string(*opt.pid) + " (or its program is unknown)");
      return kExitFailure;
    }
    program = std::string(exe, static_cast<size_t>(n));
    opt.command = {program};
    if (!opt.json) {
      std::fprintf(stderr, "capctl: watching process %d (%s)%s\n", *opt.pid,
                   Printable(program).c_str(),
                   opt.duration ? (" for " + std::to_string(opt.duration) + " s").c_str()
                                : " until it exits or Ctrl-C");
    }
    Result<TracedRun> watched = TraceProcess(*opt.pid, opt.duration);
    if (watched.ok()) {
      r = ProfileObserved(std::move(watched).value());
    } else {
      r = watched.status();
    }
  } else {
    program = ResolveProgram(opt.command[0]);
    r = ProfileCommand(po, RunTraced);
  }
  if (!r.ok()) {
    PrintError(r.status().message());
    return kExitFailure;
  }
  // File capabilities on an interpreter are given to every script it runs, by anyone.
  {
    std::string base = program.substr(program.rfind('/') + 1);
    for (const char* interp : {"python", "perl", "ruby", "node", "bash", "sh", "dash", "php", "lua",
                               "tclsh", "busybox"}) {
      if (base.rfind(interp, 0) == 0 && r->needed) {
        r->warnings.push_back("'" + program +
                              "' is an interpreter: file capabilities on it "
                              "would be given to every script anyone runs with it; give them "
                              "to a service (capset.policy(5) services:) instead");
        break;
      }
    }
  }
  Result<std::string> policy = ProfilePolicy(*r, program);
  if (!policy.ok()) {
    PrintError(policy.status().message());
    return kExitFailure;
  }
  const std::string who = opt.pid       ? "its own user"
                          : po.spec.uid ? "uid " + std::to_string(*po.spec.uid)
                                        : "root";
  if (opt.json) {
    nlohmann::json caps = nlohmann::json::array();
    for (const CapEvidence& e : r->analysis.caps) {
      nlohmann::json checks = nlohmann::json::array(), noise = nlohmann::json::array();
      for (const CapCheck* c : e.checks) checks.push_back(CheckJson(*c));
      for (const CapCheck* c : e.noise_checks) noise.push_back(CheckJson(*c));
      caps.push_back({{"capability", CapName(e.cap)},
                      {"verdict", Verdict(*r, e.cap)},
                      {"granted", e.granted},
                      {"denied", e.denied},
                      {"noise", e.noise},
                      {"noise_reason", e.noise_reason},
                      {"checks", checks},
                      {"noise_checks", noise}});
    }
    nlohmann::json trials = nlohmann::json::array();
    for (const ProfileTrial& t : r->trials) {
      trials.push_back({{"capabilities", CapNames(t.grant)},
                        {"without", t.dropped >= 0 ? nlohmann::json(CapName(t.dropped)) : nullptr},
                        {"exit_status", t.exit_status},
                        {"refused", CapNames(t.denied)},
                        {"succeeded", t.succeeded}});
    }
    const nlohmann::json doc = {{"command", opt.command},
                                {"program", program},
                                {"user", who},
                                {"exit_status", r->permissive.exit_status},
                                {"capabilities", caps},
                                {"needed", CapNames(r->needed)},
                                {"optional", CapNames(r->optional)},
                                {"requested_only", CapNames(r->analysis.requested_only)},
                                {"raises_effective", r->analysis.raises_effective},
                                {"trials", trials},
                                {"verified", r->verified},
                                {"lost_checks", r->permissive.lost_checks},
                                {"lost_tasks", r->permissive.lost_tasks},
                                {"warnings", r->warnings},
                                {"policy", *policy}};
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    PrintText(*r, program, who, opt.pid.has_value());
    if (!policy->empty()) {
      std::printf("\n%s", opt.output.empty() ? policy->c_str() : "");
    } else {
      std::printf("\nNo capability was needed: the program needs no privilege.\n");
    }
  }
  if (!opt.output.empty() && !policy->empty()) {
    if (Status st = WriteOutputFile(opt.output, *policy); !st.ok()) {
      PrintError(st.message());
      return kExitFailure;
    }
    if (!opt.json) std::printf("Policy written to %s\n", Printable(opt.output).c_str());
  }
  const bool lost = r->permissive.lost_checks || r->permissive.lost_tasks;
  if (lost) return kExitFailure;
  if (opt.verify && !opt.pid && !r->verified) {
    PrintError("the needed set did not verify: the command did not run the same with it alone");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace capset::capctl
