// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl profile — which capabilities a command really needs: run it with every capability,
// record each check (eBPF), classify, prove by running again, and write the policy.
#include <grp.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "capset/capture_output.h"
#include "capset/config.h"
#include "capset/drop_in_writer.h"
#include "capset/file_caps.h"
#include "capset/id_parse.h"
#include "capset/ipc/json_text.h"
#include "capset/process.h"
#include "capset/profile_command.h"
#include "capset/profile_document.h"
#include "capset/profile_tracer.h"
#include "capset/sandbox_fit.h"
#include "capset/unit_profile.h"
#include "capset/unit_template.h"
#include "cli.h"

namespace capset::capctl {
namespace {

constexpr const char kUsage[] =
    "Usage: capctl profile [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       capctl profile [--duration SEC] [--output FILE] [--json] --pid PID\n"
    "       capctl profile [--user USER] [--group GROUP] [--duration SEC] [--output FILE]\n"
    "                      [--json] --unit NAME.service\n"
    "       capctl profile merge [--output FILE] PROFILE.json...\n"
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
    "With --unit, the service is restarted with a transient drop-in that gives it every\n"
    "capability (as USER, with --user), traced by its cgroup from the moment its program runs\n"
    "until --duration passes, it stops, or Ctrl-C; then put back as it was (drop-in removed,\n"
    "restarted). It prints the services: policy (user, ambient, bounding, a template, and the\n"
    "ReadWritePaths=, address families and system calls the template would have refused)\n"
    "and keeps the profile in " CAPSET_STATE_DIR "/profiles/NAME.service.json.\n"
    "'merge' makes one policy of several --json profiles (the union of what each needed).\n"
    "\n"
    "  --user USER       run COMMAND (or the unit) as USER (name or uid; groups from the\n"
    "                    user database)\n"
    "  --group GROUP     with this primary group (name or gid)\n"
    "  --output FILE     write the policy to FILE (never through a link)\n"
    "  --no-verify       one run only, no minimization or verification (for a command\n"
    "                    with side effects that must not happen twice)\n"
    "  --timeout SEC     kill COMMAND after SEC seconds (default: none)\n"
    "  --pid PID         watch the running process PID, its threads and descendants (and\n"
    "                    what they fork), until it exits, --duration passes, or Ctrl-C;\n"
    "                    nothing is run again, so nothing is verified\n"
    "  --unit NAME       profile the systemd service NAME (see above)\n"
    "  --duration SEC    with --pid or --unit: watch for SEC seconds\n"
    "  --json            print the whole report as one JSON document\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 profiled (and verified); 1 the profile failed, lost events or did not\n"
    "verify; 2 usage error.\n";

enum { kUser = 256, kGroup, kOutput, kNoVerify, kTimeout, kJson, kPid, kDuration, kUnit };

struct Options {
  std::optional<std::string> user, group;
  std::string output;
  bool verify = true;
  bool json = false;
  unsigned timeout = 0;
  std::optional<pid_t> pid;
  std::string unit;
  unsigned duration = 0;
  std::vector<std::string> command;
};

// What execvp would run: argv0 looked up in PATH, made absolute.
std::string ResolveProgram(const std::string& argv0) {
  const std::string found = FindInPath(argv0);
  char real[PATH_MAX];
  return realpath(found.c_str(), real) ? std::string(real) : found;
}

// A user or group named by name or number (a number only when no such name exists, as
// systemd and chown read them); numbers are parsed strictly (id_parse.h).
const passwd* FindUser(const std::string& name) {
  if (const passwd* pw = getpwnam(name.c_str())) return pw;
  Result<uid_t> uid = ParseUid(name);
  return uid.ok() ? getpwuid(*uid) : nullptr;
}
const group* FindGroup(const std::string& name) {
  if (const group* gr = getgrnam(name.c_str())) return gr;
  Result<gid_t> gid = ParseGid(name);
  return gid.ok() ? getgrgid(*gid) : nullptr;
}

Status ResolveUser(const Options& opt, RunSpec& spec) {
  if (!opt.user && !opt.group) return Status::Ok();
  if (opt.user) {
    const passwd* pw = FindUser(*opt.user);
    if (!pw) return Status(Code::kNotFound, "--user: unknown user '" + Printable(*opt.user) + "'");
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
    const group* gr = FindGroup(*opt.group);
    if (!gr) {
      return Status(Code::kNotFound, "--group: unknown group '" + Printable(*opt.group) + "'");
    }
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

// How the profile was made: the heading of the report.
enum class Mode { kCommand, kPid, kUnit };

void PrintText(const ProfileResult& r, const std::string& program, const std::string& who,
               Mode mode) {
  if (mode == Mode::kCommand) {
    std::printf(
        "capctl profile: %s ran as %s with every capability: exit %d, %zu distinct "
        "checks\n",
        Printable(program).c_str(), who.c_str(), r.permissive.exit_status,
        r.permissive.checks.size());
  } else if (mode == Mode::kUnit) {
    std::printf("capctl profile: %s ran as %s with every capability: %zu distinct checks\n",
                Printable(program).c_str(), who.c_str(), r.permissive.checks.size());
  } else {
    std::printf("capctl profile: %s watched with the capabilities it held: %zu distinct checks\n",
                Printable(program).c_str(), r.permissive.checks.size());
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
}

// What the run did that a hardening template restricts (text).
void PrintSandbox(const TracedRun& run, const std::optional<ServicePolicyInput>& service) {
  std::string families;
  for (const std::string& f : AddressFamilyNames(run.address_families)) {
    families += (families.empty() ? "" : " ") + f;
  }
  std::printf("\nSockets: %s; %zu system calls made; %zu paths written\n",
              families.empty() ? "none" : families.c_str(), run.syscalls.size(),
              run.written.size());
  if (!service) return;
  const SandboxNeeds& n = service->sandbox;
  std::printf("Template %s would refuse: ", service->template_name.c_str());
  if (n.read_write_paths.empty() && n.address_families.empty() && n.syscalls.empty()) {
    std::printf("nothing seen\n");
    return;
  }
  std::string what;
  for (const auto& p : n.read_write_paths) what += (what.empty() ? "" : ", ") + Printable(p);
  if (!what.empty()) what = "writing " + what;
  auto add = [&](const char* label, const std::vector<std::string>& items) {
    if (items.empty()) return;
    std::string list;
    for (const auto& i : items) list += (list.empty() ? "" : " ") + i;
    what += (what.empty() ? "" : "; ") + std::string(label) + list;
  };
  add("sockets ", n.address_families);
  add("system calls ", n.syscalls);
  std::printf("%s (the policy's settings allow them)\n", what.c_str());
}

nlohmann::json SandboxJson(const TracedRun& run) {
  nlohmann::json written = nlohmann::json::array();
  for (const WrittenPath& w : run.written) {
    nlohmann::json one = {{"use", w.use == PathUse::kWrite    ? "write"
                                  : w.use == PathUse::kCreate ? "create"
                                                              : "write-or-create"},
                          {"relative_to_dirfd", w.relative_to_dirfd}};
    SetPathJson(one, "path", w.path);
    written.push_back(one);
  }
  nlohmann::json syscalls = nlohmann::json::array();
  for (int nr : run.syscalls) syscalls.push_back(SyscallName(nr));
  return {{"address_families", AddressFamilyNames(run.address_families)},
          {"syscalls", syscalls},
          {"written", written},
          {"lost_paths", run.lost_paths}};
}

// File capabilities on an interpreter are given to every script it runs, by anyone.
void WarnInterpreter(const std::string& program, ProfileResult& r) {
  const std::string base = program.substr(program.rfind('/') + 1);
  for (const char* interp : {"python", "perl", "ruby", "node", "bash", "sh", "dash", "php", "lua",
                             "tclsh", "busybox"}) {
    if (base.rfind(interp, 0) == 0 && r.needed) {
      r.warnings.push_back("'" + Printable(program) +
                           "' is an interpreter: file capabilities on it would be given to every "
                           "script anyone runs with it; give them to a service (capset.policy(5) "
                           "services:) instead");
      return;
    }
  }
}

// --unit: profiles the service and says what its policy entry is made of.
Result<ProfileResult> ProfileTheUnit(const Options& opt, CapMask available,
                                     std::optional<ServicePolicyInput>& service,
                                     std::string& program, std::string& who) {
  CAPSET_RETURN_IF_ERROR(ValidServiceName(opt.unit));
  CAPSET_ASSIGN_OR_RETURN(std::unique_ptr<SystemdManager> systemd, SystemdManager::Connect());
  UnitProfileOptions uo;
  uo.unit = opt.unit;
  uo.user = opt.user;
  uo.group = opt.group;
  uo.duration_s = opt.duration;
  uo.grant = KernelCapMask() & available;
  if (!opt.json) {
    std::fprintf(stderr, "capctl: restarting %s with every capability%s; profiling it %s\n",
                 opt.unit.c_str(), opt.user ? (" as " + Printable(*opt.user)).c_str() : "",
                 opt.duration ? ("for " + std::to_string(opt.duration) + " s").c_str()
                              : "until it stops or Ctrl-C");
  }
  CAPSET_ASSIGN_OR_RETURN(UnitProfile up, ProfileUnit(uo, *systemd));
  ProfileResult r = ProfileObserved(
      std::move(up.run),
      "the service was watched while it ran with every capability, not run again with the "
      "needed set alone: start it with the policy and check it serves");
  for (auto& w : up.warnings) r.warnings.push_back(std::move(w));
  ServicePolicyInput in;
  in.unit = opt.unit;
  if (opt.user) {
    in.user = opt.user;
  } else if (!up.unit.user.empty()) {
    in.user = up.unit.user;
  }
  if (opt.group) in.group = opt.group;
  in.dynamic_user = !opt.user && up.unit.dynamic_user;
  in.exec = up.unit.exec;
  in.template_name = SuggestTemplate(r.permissive);
  Result<UnitTemplate> tmpl = LoadUnitTemplate(in.template_name, TemplateDirectories("/"));
  if (tmpl.ok()) {
    SandboxContext ctx;
    ctx.working_directory = up.unit.working_directory.empty() ? "/" : up.unit.working_directory;
    ctx.writable = up.unit.own_directories;
    ctx.exists = [](const std::string& path) {
      struct stat st {};
      return ::lstat(path.c_str(), &st) == 0;
    };
    in.sandbox = FitTemplate(r.permissive, tmpl->settings, SystemdSyscallGroups(), ctx);
  } else {
    r.warnings.push_back("the template " + in.template_name +
                         " could not be read, so what it would refuse was not checked: " +
                         tmpl.status().message());
  }
  program = up.unit.exec.empty() ? opt.unit : up.unit.exec;
  who = in.user ? "user " + Printable(*in.user) : in.dynamic_user ? "a dynamic user" : "root";
  service = std::move(in);
  return r;
}

// Keeps a unit's profile for capctl audit --services: CAPSET_STATE_DIR/profiles/UNIT.json.
Status StoreUnitProfile(const std::string& unit, const std::string& json) {
  CAPSET_ASSIGN_OR_RETURN(SafeDir state, OpenDropInDirectory(CAPSET_STATE_DIR));
  return WriteFileInSubdirectory(state, "profiles", unit + ".json", json + "\n", 0644);
}

constexpr const char kMergeUsage[] =
    "Usage: capctl profile merge [--output FILE] PROFILE.json...\n"
    "\n"
    "Makes one policy of several profiles written by 'capctl profile --json' (or kept by\n"
    "--unit in " CAPSET_STATE_DIR "/profiles): one files: entry per program and one services:\n"
    "entry per service, with the union of the capabilities each run needed (=p only where\n"
    "every run raised its own effective set), and of what the template would have refused.\n"
    "\n"
    "  --output FILE     write the policy to FILE (never through a link)\n"
    "  -h, --help        show this help\n"
    "\n"
    "Exit status: 0 merged; 1 a profile could not be read; 2 usage error.\n";

const option kMergeOptions[] = {{"output", required_argument, nullptr, kOutput},
                                {"help", no_argument, nullptr, 'h'},
                                {nullptr, 0, nullptr, 0}};

int RunMerge(int argc, char** argv) {
  std::string output;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kMergeOptions, nullptr)) != -1;) {
    if (c == kOutput) {
      output = optarg;
    } else if (c == 'h') {
      std::fputs(kMergeUsage, stdout);
      return kExitOk;
    } else {
      std::fputs(kMergeUsage, stderr);
      return kExitUsage;
    }
  }
  if (optind >= argc) {
    PrintError("profile merge: no profile given (try 'capctl profile merge --help')");
    return kExitUsage;
  }
  std::vector<PolicyEntry> entries;
  for (int i = optind; i < argc; ++i) {
    const std::string path = argv[i];
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      PrintError(FromErrno(errno, "read", Printable(path)).message());
      return kExitFailure;
    }
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Result<PolicyEntry> e = ReadProfileDocument(text, Printable(path));
    if (!e.ok()) {
      PrintError(e.status().message());
      return kExitFailure;
    }
    entries.push_back(std::move(e).value());
  }
  Result<std::vector<PolicyEntry>> merged = MergeEntries(entries);
  Result<std::string> policy = merged.ok() ? RenderPolicy(*merged) : merged.status();
  if (!policy.ok()) {
    PrintError(policy.status().message());
    return kExitFailure;
  }
  if (policy->empty()) {
    std::printf("No capability was needed in any of the %zu profiles.\n", entries.size());
    return kExitOk;
  }
  if (output.empty()) {
    std::fputs(policy->c_str(), stdout);
    return kExitOk;
  }
  if (Status st = WriteOutputFile(output, *policy); !st.ok()) {
    PrintError(st.message());
    return kExitFailure;
  }
  std::printf("Policy of %zu profiles written to %s\n", entries.size(), Printable(output).c_str());
  return kExitOk;
}

}  // namespace

SyscallGroups SystemdSyscallGroups() {
  Result<std::string> text = CaptureOutput({"systemd-analyze", "syscall-filter", "--no-pager"});
  return text.ok() ? ParseSyscallGroups(*text) : SyscallGroups();
}

const option kProfileOptions[] = {{"user", required_argument, nullptr, kUser},
                                  {"group", required_argument, nullptr, kGroup},
                                  {"output", required_argument, nullptr, kOutput},
                                  {"no-verify", no_argument, nullptr, kNoVerify},
                                  {"timeout", required_argument, nullptr, kTimeout},
                                  {"json", no_argument, nullptr, kJson},
                                  {"pid", required_argument, nullptr, kPid},
                                  {"unit", required_argument, nullptr, kUnit},
                                  {"duration", required_argument, nullptr, kDuration},
                                  {"help", no_argument, nullptr, 'h'},
                                  {nullptr, 0, nullptr, 0}};

int RunProfile(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "merge") return RunMerge(argc - 1, argv + 1);
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
      case kUnit:
        opt.unit = optarg;
        break;
      case kTimeout:
      case kDuration: {
        char* end = nullptr;
        const unsigned long v = std::strtoul(optarg, &end, 10);
        if (*optarg == '\0' || *optarg == '-' || *end != '\0' || v == 0 || v > 86400) {
          PrintError(std::string(c == kTimeout ? "--timeout" : "--duration") +
                     ": expected seconds from 1 to 86400, got '" + Printable(optarg) + "'");
          return kExitUsage;
        }
        (c == kTimeout ? opt.timeout : opt.duration) = static_cast<unsigned>(v);
        break;
      }
      case kPid: {
        char* end = nullptr;
        const long v = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v <= 0 || v > 4194304) {
          PrintError(std::string("--pid: expected a process id, got '") + Printable(optarg) +
                     "'");
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
  const Mode mode = opt.pid ? Mode::kPid : !opt.unit.empty() ? Mode::kUnit : Mode::kCommand;
  if (opt.pid && !opt.unit.empty()) {
    PrintError("profile: --pid and --unit each say what to watch; give one");
    return kExitUsage;
  }
  if (mode != Mode::kCommand && !opt.command.empty()) {
    PrintError(std::string("profile: ") + (opt.pid ? "--pid watches a running process"
                                                    : "--unit profiles a service") +
               "; give it no COMMAND");
    return kExitUsage;
  }
  if (mode == Mode::kCommand && opt.command.empty()) {
    PrintError("profile: no COMMAND given (try 'capctl profile --help')");
    return kExitUsage;
  }
  if (opt.duration && mode == Mode::kCommand) {
    PrintError("profile: --duration is for --pid and --unit (a COMMAND runs until it exits; see "
               "--timeout)");
    return kExitUsage;
  }
  if (mode != Mode::kCommand && opt.timeout) {
    PrintError("profile: --timeout is for a COMMAND (use --duration)");
    return kExitUsage;
  }
  if (mode == Mode::kPid && (opt.user || opt.group)) {
    PrintError("profile: --pid watches a process as the user it is; --user and --group are for "
               "a COMMAND or --unit");
    return kExitUsage;
  }
  if (mode == Mode::kUnit) {
    if (Status st = ValidServiceName(opt.unit); !st.ok()) {
      PrintError(st.message());
      return kExitUsage;
    }
  }
  if (Status st = ProfilerAvailable(); !st.ok()) {
    PrintError(st.message());
    return kExitFailure;
  }
  ProfileOptions po;
  po.verify = opt.verify && mode == Mode::kCommand;
  if (Result<CapState> self = GetProcessCaps(); self.ok()) po.available = self->permitted;
  po.spec.argv = opt.command;
  po.spec.timeout_s = opt.timeout;
  po.spec.stdout_to_stderr = opt.json;
  if (Status st = ResolveUser(opt, po.spec); !st.ok()) {
    PrintError(st.message());
    return kExitUsage;
  }
  std::string program, who = "root";
  std::optional<ServicePolicyInput> service;
  Result<ProfileResult> r = Status(Code::kIoError, "not profiled");
  if (mode == Mode::kPid) {
    char exe[PATH_MAX] = {};
    const std::string link = "/proc/" + std::to_string(*opt.pid) + "/exe";
    const ssize_t n = readlink(link.c_str(), exe, sizeof exe - 1);
    if (n <= 0) {
      PrintError("--pid: no process " + std::to_string(*opt.pid) + " (or its program is unknown)");
      return kExitFailure;
    }
    program = std::string(exe, static_cast<size_t>(n));
    opt.command = {program};
    who = "its own user";
    if (!opt.json) {
      std::fprintf(stderr, "capctl: watching process %d (%s)%s\n", *opt.pid,
                   Printable(program).c_str(),
                   opt.duration ? (" for " + std::to_string(opt.duration) + " s").c_str()
                                : " until it exits or Ctrl-C");
    }
    Result<TracedRun> watched = TraceProcess(*opt.pid, opt.duration);
    if (watched.ok()) {
      r = ProfileObserved(std::move(watched).value(),
                          "a running process was watched, not run: it could use only the "
                          "capabilities it held, and nothing was verified (what it was refused "
                          "is listed as denied)");
    } else {
      r = watched.status();
    }
  } else if (mode == Mode::kUnit) {
    r = ProfileTheUnit(opt, po.available, service, program, who);
  } else {
    program = ResolveProgram(opt.command[0]);
    if (po.spec.uid) who = "uid " + std::to_string(*po.spec.uid);
    r = ProfileCommand(po, RunTraced);
  }
  if (!r.ok()) {
    PrintError(r.status().message());
    return kExitFailure;
  }
  if (!service) WarnInterpreter(program, *r);
  const PolicyEntry entry = EntryOf(*r, service ? service->exec : program, service);
  Result<std::string> policy = RenderPolicy({entry});
  if (!policy.ok()) {
    PrintError(policy.status().message());
    return kExitFailure;
  }
  nlohmann::json doc;
  if (opt.json || service) {
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
    doc = {{"command", opt.command},
           {"mode", mode == Mode::kUnit ? "unit" : mode == Mode::kPid ? "pid" : "command"},
           {"user", who},
           {"exit_status", r->permissive.exit_status},
           {"capabilities", caps},
           {"optional", CapNames(r->optional)},
           {"requested_only", CapNames(r->analysis.requested_only)},
           {"trials", trials},
           {"lost_checks", r->permissive.lost_checks},
           {"lost_tasks", r->permissive.lost_tasks},
           {"sandbox", SandboxJson(r->permissive)},
           {"warnings", r->warnings},
           {"policy", *policy}};
    SetPolicyEntryJson(doc, entry);
  }
  if (service) {
    if (Status st = StoreUnitProfile(opt.unit, DumpJson(doc)); !st.ok()) {
      r->warnings.push_back("the profile was not kept for capctl audit: " + st.message());
      doc["warnings"] = r->warnings;
    }
  }
  if (opt.json) {
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    PrintText(*r, program, who, mode);
    PrintSandbox(r->permissive, service);
    for (const auto& w : r->warnings) PrintWarning(w);
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
  if (po.verify && !r->verified) {
    PrintError("the needed set did not verify: the command did not run the same with it alone");
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace capset::capctl
