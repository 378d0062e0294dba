// SPDX-License-Identifier: LGPL-2.1-or-later
// The profiler's system calls: loading the BPF program, starting the command with the
// capabilities asked for, reading the kernel's aggregates, naming kernel addresses.
#include "capset/profile_tracer.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "capset/fd.h"
#include "capset_profile.skel.h"
#include "sys/libcap.h"

namespace capset {
namespace {

// The BPF program's map layouts (capset_profile.bpf.c).
constexpr int kStackDepth = 12;
constexpr int32_t kStackSampled = -2;
constexpr int kPending = 4;
struct CheckKey {
  uint32_t cap;
  int32_t ret;
  int32_t syscall;
  int32_t stack;
  uint32_t flags;
  char comm[16];
};
struct CheckValue {
  uint64_t count;
  uint64_t syscall_failed;
  int64_t last_result;
  uint32_t pid;
  uint32_t pad;
};
constexpr size_t kPathMax = 256;
struct TaskState {
  uint32_t pending;
  CheckKey keys[kPending];
  CheckKey last;
  uint32_t last_valid;
  uint32_t last_in_call;
  uint64_t last_hits;
  uint64_t last_failed;
  int64_t last_result;
  uint32_t path_op;
  char path[kPathMax];
};
struct PathKey {
  uint32_t op;
  char path[kPathMax];
};
constexpr uint32_t kOtherCred = 1, kUserNs = 2;
constexpr uint32_t kPathCreate = 2, kPathMaybe = 3, kPathDirfd = 0x100;

struct SkeletonFree {
  void operator()(capset_profile* s) const { capset_profile__destroy(s); }
};

// /proc/kallsyms, sorted, read once.
class KernelSymbols {
 public:
  static const KernelSymbols& Get() {
    static const KernelSymbols symbols;
    return symbols;
  }
  std::string Name(uint64_t addr) const {
    auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
                               [](uint64_t a, const Sym& s) { return a < s.addr; });
    if (it == syms_.begin()) return "0x" + Hex(addr);
    return std::prev(it)->name;
  }
  /// No names: /proc/kallsyms shows every address as 0 (kptr_restrict, without CAP_SYSLOG).
  bool empty() const { return syms_.empty(); }

 private:
  struct Sym {
    uint64_t addr;
    std::string name;
  };
  KernelSymbols() {
    std::ifstream in("/proc/kallsyms");
    std::string line;
    while (std::getline(in, line)) {
      char name[256];
      unsigned long long addr = 0;
      char type = 0;
      if (std::sscanf(line.c_str(), "%llx %c %255s", &addr, &type, name) != 3 || addr == 0) {
        continue;
      }
      if (type != 't' && type != 'T') continue;
      syms_.push_back({addr, name});
    }
    std::sort(syms_.begin(), syms_.end(),
              [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
  }
  static std::string Hex(uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
    return buf;
  }
  std::vector<Sym> syms_;
};

// libbpf prints to stderr by default; capctl says what failed itself. The format is
// libbpf's own, hence the pragma.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int QuietLibbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN || std::getenv("CAPSET_PROFILE_DEBUG") == nullptr) return 0;
  return std::vfprintf(stderr, format, args);
}
#pragma GCC diagnostic pop

// In the child: become spec's user with exactly spec.grant in every set, then wait for the
// parent to start tracing (a byte on `go`), then exec. Never returns.
[[noreturn]] void StartChild(const RunSpec& spec, int ready, int go, int parent_ends[2]) {
  // The parent's ends of the pipes: held here, a parent that died would never be noticed.
  close(parent_ends[0]);
  close(parent_ends[1]);
  // Its own process group, so that the whole tree can be killed at the end.
  setpgid(0, 0);
  auto fail = [&](const char* what) {
    const int err = errno;
    char msg[256];
    std::snprintf(msg, sizeof msg, "%s: %s", what, std::strerror(err));
    (void)!write(ready, msg, std::strlen(msg));
    _exit(127);
  };
  if (spec.stdout_to_stderr) dup2(STDERR_FILENO, STDOUT_FILENO);
  if (spec.quiet) {
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
    }
  }
  // SECURITY: the child only ever lowers what root (capctl) holds: the bounding set to the
  // grant while CAP_SETPCAP is still effective, then the user, then exactly the grant.
  const int last = KernelCapBits();  // the running kernel's, not the headers'
  for (int c = 0; c < last; ++c) {
    if (!(spec.grant & CapBit(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
      fail("drop a capability from the bounding set");
    }
  }
  if (spec.uid) {
    if (setgroups(spec.groups.size(), spec.groups.data()) != 0) fail("set the groups");
    if (spec.gid && setresgid(*spec.gid, *spec.gid, *spec.gid) != 0) fail("set the group id");
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) fail("set PR_SET_KEEPCAPS");
    if (setresuid(*spec.uid, *spec.uid, *spec.uid) != 0) fail("set the user id");
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) fail("clear PR_SET_KEEPCAPS");
  }
  cap_t caps = cap_init();
  if (caps == nullptr) fail("allocate a capability set");
  for (int c = 0; c < last; ++c) {
    if (!(spec.grant & CapBit(c))) continue;
    const auto v = static_cast<cap_value_t>(c);
    cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET);
    cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET);
    cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET);
  }
  if (cap_set_proc(caps) != 0) fail("set the capabilities");
  cap_free(caps);
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) fail("clear ambient");
  if (spec.uid && *spec.uid != 0) {
    for (int c = 0; c < last; ++c) {
      if ((spec.grant & CapBit(c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) {
        fail("raise an ambient capability");
      }
    }
  }
  // Dies with capctl (set after the credentials: changing them clears it).
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail("set PR_SET_PDEATHSIG");
  if (getppid() == 1) _exit(127);  // capctl is gone already
  // The program is looked up in PATH now, before the tracing starts and with the user's own
  // rights (access(2) checks them without capabilities): a search of directories the user
  // may not enter is capctl's doing, not a need of the command.
  const std::string program = FindInPath(spec.argv[0]);
  (void)!write(ready, "", 1);  // ready: a NUL byte
  char byte = 0;
  if (read(go, &byte, 1) != 1) _exit(127);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(program.c_str(), argv.data());
  // `ready` is close-on-exec: after a successful exec the parent reads end of file; after a
  // failed one, why.
  fail(("run '" + spec.argv[0] + "'").c_str());
  _exit(127);  // (fail exits)
}

// Kills what is left of the command's tree: its process group, and every process that was
// reparented to capctl (a child subreaper: daemons that left the group), until none is left.
void KillTree(pid_t pgid) {
  kill(-pgid, SIGKILL);
  for (int round = 0; round < 100; ++round) {
    bool any = false;
    std::ifstream children("/proc/self/task/" + std::to_string(gettid()) + "/children");
    for (long pid; children >> pid;) {
      kill(static_cast<pid_t>(pid), SIGKILL);
      any = true;
    }
    while (waitpid(-1, nullptr, WNOHANG) > 0) any = true;
    if (!any) break;
    usleep(10 * 1000);
  }
}

std::vector<std::string> StackOf(int stacks_fd, int32_t id) {
  std::vector<std::string> out;
  if (id < 0) return out;
  uint64_t ips[kStackDepth] = {};
  const uint32_t key = static_cast<uint32_t>(id);
  if (bpf_map_lookup_elem(stacks_fd, &key, ips) != 0) return out;
  const KernelSymbols& syms = KernelSymbols::Get();
  if (syms.empty()) return out;  // unknown, as a stack not taken: addresses alone say nothing
  for (uint64_t ip : ips) {
    if (ip == 0) break;
    out.push_back(syms.Name(ip));
  }
  return out;
}

}  // namespace

Status ProfilerAvailable() {
  if (geteuid() != 0) {
    return Status(Code::kPermissionDenied,
                  "capctl profile needs root (loading its eBPF program needs CAP_BPF, "
                  "CAP_PERFMON and CAP_SYS_ADMIN)");
  }
  struct stat st {};
  if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
    return Status(Code::kNotSupported,
                  "this kernel has no BTF (/sys/kernel/btf/vmlinux): capctl profile needs a "
                  "kernel built with CONFIG_DEBUG_INFO_BTF");
  }
  return Status::Ok();
}

namespace {

using Skeleton = std::unique_ptr<capset_profile, SkeletonFree>;

Result<Skeleton> LoadTracer() {
  CAPSET_RETURN_IF_ERROR(ProfilerAvailable());
  libbpf_set_print(QuietLibbpf);
  Skeleton skel(capset_profile__open_and_load());
  if (!skel) {
    return Status(Code::kNotSupported,
                  std::string("Failed to load the profiler's eBPF program: ") +
                      std::strerror(errno) +
                      " (it needs the BTF tracepoints cap_capable, sys_exit and "
                      "sched_process_fork; set CAPSET_PROFILE_DEBUG=1 for libbpf's log)");
  }
  if (capset_profile__attach(skel.get()) != 0) {
    return Status(Code::kNotSupported,
                  std::string("Failed to attach the profiler to the capability tracepoint: ") +
                      std::strerror(errno));
  }
  return skel;
}

// Adds the task `tid` to the traced tasks (task storage is keyed by a pidfd from user space;
// PIDFD_THREAD names a thread rather than a process).
Status Follow(capset_profile* skel, pid_t tid, bool thread) {
  constexpr unsigned kPidfdThread = O_EXCL;  // PIDFD_THREAD, Linux 6.9
  const TaskState fresh{};
  const Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, tid, thread ? kPidfdThread : 0u)));
  if (!pidfd.valid()) return FromErrno(errno, "open a pidfd of", std::to_string(tid));
  const int fd = pidfd.get();
  if (bpf_map_update_elem(bpf_map__fd(skel->maps.tasks), &fd, &fresh, BPF_ANY) != 0) {
    return FromErrno(errno, "trace", std::to_string(tid));
  }
  return Status::Ok();
}

TracedRun Collect(capset_profile* skel) {
  TracedRun run;
  const int checks_fd = bpf_map__fd(skel->maps.checks);
  const int stacks_fd = bpf_map__fd(skel->maps.stacks);
  CheckKey k{}, next{};
  const CheckKey* prev = nullptr;
  while (bpf_map_get_next_key(checks_fd, prev, &next) == 0) {
    CheckValue v{};
    if (bpf_map_lookup_elem(checks_fd, &next, &v) == 0) {
      CapCheck c;
      c.cap = static_cast<int>(next.cap);
      c.granted = next.ret == 0;
      c.syscall = next.syscall;
      c.stack = StackOf(stacks_fd, next.stack);
      c.stack_sampled = next.stack == kStackSampled;
      c.other_cred = next.flags & kOtherCred;
      c.user_ns = next.flags & kUserNs;
      c.comm = std::string(next.comm, strnlen(next.comm, sizeof next.comm));
      c.count = v.count;
      c.syscall_failed = v.syscall_failed;
      c.last_result = v.last_result;
      run.checks.push_back(std::move(c));
    }
    k = next;
    prev = &k;
  }
  FoldSampledChecks(run.checks);
  const int paths_fd = bpf_map__fd(skel->maps.paths);
  PathKey pk{}, pnext{};
  const PathKey* pprev = nullptr;
  while (bpf_map_get_next_key(paths_fd, pprev, &pnext) == 0) {
    WrittenPath w;
    w.path.assign(pnext.path, strnlen(pnext.path, sizeof pnext.path));
    const uint32_t op = pnext.op & 0xff;
    w.use = op == kPathCreate ? PathUse::kCreate
            : op == kPathMaybe ? PathUse::kMaybeCreate
                               : PathUse::kWrite;
    w.relative_to_dirfd = pnext.op & kPathDirfd;
    run.written.push_back(std::move(w));
    pk = pnext;
    pprev = &pk;
  }
  std::sort(run.written.begin(), run.written.end(),
            [](const WrittenPath& a, const WrittenPath& b) { return a.path < b.path; });
  for (int word = 0; word < 8; ++word) {
    for (int bit = 0; bit < 64; ++bit) {
      if (skel->bss->syscalls_used[word] & (uint64_t{1} << bit)) {
        run.syscalls.push_back(word * 64 + bit);
      }
    }
  }
  run.address_families = skel->bss->families;
  run.kernel_symbols = !KernelSymbols::Get().empty();
  run.lost_paths = skel->bss->lost_paths;
  run.lost_checks = skel->bss->lost_checks;
  run.lost_tasks = skel->bss->lost_tasks;
  run.capset_calls = skel->bss->capset_calls;
  run.capset_effective = skel->bss->capset_effective;
  run.capset_permitted = skel->bss->capset_permitted;
  return run;
}

// The parent of `pid` (field 4 of /proc/PID/stat, after the command name in parentheses,
// which may hold anything), or -1 when it is gone.
pid_t ParentOf(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const size_t paren = line.rfind(')');
  char state = 0;
  long ppid = 0;
  if (paren == std::string::npos ||
      std::sscanf(line.c_str() + paren + 1, " %c %ld", &state, &ppid) != 2) {
    return -1;
  }
  return static_cast<pid_t>(ppid);
}

// The threads of `pid` and of every descendant of it now alive, from /proc.
std::vector<std::pair<pid_t, bool>> TasksOf(pid_t pid) {
  std::map<pid_t, std::vector<pid_t>> children;
  if (DIR* proc = opendir("/proc")) {
    while (const dirent* e = readdir(proc)) {
      char* end = nullptr;
      const long p = std::strtol(e->d_name, &end, 10);
      if (*end != '\0' || p <= 0) continue;
      if (const pid_t parent = ParentOf(static_cast<pid_t>(p)); parent >= 0) {
        children[parent].push_back(static_cast<pid_t>(p));
      }
    }
    closedir(proc);
  }
  std::vector<std::pair<pid_t, bool>> out;
  std::vector<pid_t> todo = {pid};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    out.emplace_back(p, false);
    if (DIR* tasks = opendir(("/proc/" + std::to_string(p) + "/task").c_str())) {
      while (const dirent* e = readdir(tasks)) {
        const long tid = std::strtol(e->d_name, nullptr, 10);
        if (tid > 0 && tid != p) out.emplace_back(static_cast<pid_t>(tid), true);
      }
      closedir(tasks);
    }
    for (pid_t c : children[p]) todo.push_back(c);
  }
  return out;
}

// Waits until `done()`, `duration_s` seconds (0: no limit), or SIGINT, SIGTERM or SIGHUP
// (blocked by a StopSignals meanwhile, so one sent before the wait began counts too).
void WaitWatching(unsigned duration_s, const std::function<bool()>& done) {
  const StopSignals blocked;
  const int64_t deadline_ms = duration_s ? int64_t{duration_s} * 1000 : -1;
  for (int64_t waited_ms = 0; deadline_ms < 0 || waited_ms < deadline_ms; waited_ms += 100) {
    if (done()) break;
    const timespec tick{0, 100L * 1000 * 1000};
    if (sigtimedwait(&blocked.set(), nullptr, &tick) > 0) break;
  }
}

}  // namespace

Result<TracedRun> TraceUnit(const UnitTarget& unit, const std::function<Status()>& start,
                            const std::function<bool()>& running, unsigned duration_s) {
  CAPSET_ASSIGN_OR_RETURN(Skeleton skel, LoadTracer());
  // A cgroup's id is its directory's inode number in the cgroup2 file system.
  struct stat parent {};
  if (stat(unit.parent_dir.c_str(), &parent) != 0) {
    return FromErrno(errno, "find the cgroup", unit.parent_dir);
  }
  if (unit.name.empty() || unit.name.size() >= sizeof skel->bss->unit_name) {
    return Status(Code::kInvalidArgument, "unit name '" + unit.name + "' is too long to trace");
  }
  std::memset(skel->bss->unit_name, 0, sizeof skel->bss->unit_name);
  std::memcpy(skel->bss->unit_name, unit.name.data(), unit.name.size());
  if (struct stat own {}; stat((unit.parent_dir + "/" + unit.name).c_str(), &own) == 0) {
    skel->bss->target_cgroup = own.st_ino;  // kept if systemd does not make it anew
  }
  skel->bss->unit_parent = parent.st_ino;
  CAPSET_RETURN_IF_ERROR(start());
  if (skel->bss->target_cgroup == 0) {
    return Status(Code::kIoError, "the unit " + unit.name + " started, but its cgroup was not "
                                  "seen in " + unit.parent_dir + ": nothing could be traced");
  }
  WaitWatching(duration_s, [&] { return !running(); });
  TracedRun run = Collect(skel.get());
  run.exit_status = -1;
  return run;
}

Result<TracedRun> TraceProcess(pid_t pid, unsigned duration_s) {
  CAPSET_ASSIGN_OR_RETURN(Skeleton skel, LoadTracer());
  const Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0u)));
  if (!pidfd.valid()) return FromErrno(errno, "find the process", std::to_string(pid));
  // capctl itself and its ancestors are never traced (capctl run from a session of the
  // process watched, say).
  std::set<pid_t> skip;
  for (pid_t p = getpid(); p > 1; p = ParentOf(p)) skip.insert(p);
  uint64_t not_followed = 0;
  std::set<pid_t> followed;
  // Twice: what forked between the scan of /proc and the first Follow is found the second time.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [tid, thread] : TasksOf(pid)) {
      if (skip.count(tid) || !followed.insert(tid).second) continue;
      // A task that exited meanwhile is no error; the process itself must be there.
      if (Status st = Follow(skel.get(), tid, thread); !st.ok()) {
        if (tid == pid) return st;
        if (::kill(tid, 0) == 0) ++not_followed;
      }
    }
  }
  WaitWatching(duration_s, [&] {
    pollfd p{pidfd.get(), POLLIN, 0};  // readable: the process exited
    return poll(&p, 1, 0) > 0;
  });
  TracedRun run = Collect(skel.get());
  run.exit_status = -1;
  run.lost_tasks += not_followed;
  return run;
}

Result<TracedRun> RunTraced(const RunSpec& spec) {
  if (spec.argv.empty()) return Status(Code::kInvalidArgument, "no command to profile");
  CAPSET_ASSIGN_OR_RETURN(Skeleton skel, LoadTracer());

  int ready[2], go[2];
  if (pipe2(ready, O_CLOEXEC) != 0) return FromErrno(errno, "create a pipe");
  Fd ready_r(ready[0]), ready_w(ready[1]);
  if (pipe2(go, O_CLOEXEC) != 0) return FromErrno(errno, "create a pipe");
  Fd go_r(go[0]), go_w(go[1]);
  // Descendants that outlive the command (a daemon that forks away) are reparented to capctl,
  // which kills them at the end: nothing keeps the capabilities it was given.
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  const pid_t child = fork();
  if (child < 0) return FromErrno(errno, "fork");
  if (child == 0) {
    int parent_ends[2] = {ready_r.get(), go_w.get()};
    StartChild(spec, ready_w.get(), go_r.get(), parent_ends);
  }
  setpgid(child, child);  // as the child does: whichever runs first
  ready_w.Reset(-1);
  go_r.Reset(-1);
  auto abandon = [&](Status st) {
    KillTree(child);
    return st;
  };
  char msg[257] = {};
  ssize_t n = read(ready_r.get(), msg, sizeof msg - 1);
  if (n != 1 || msg[0] != '\0') {
    return abandon(Status(Code::kIoError, std::string("Failed to prepare the command: ") +
                                              (n > 0 ? msg : "it died")));
  }
  if (Status st = Follow(skel.get(), child, false); !st.ok()) return abandon(st);
  const Fd pidfd(static_cast<int>(syscall(SYS_pidfd_open, child, 0u)));
  if (!pidfd.valid()) return abandon(FromErrno(errno, "open a pidfd of the command"));
  (void)!write(go_w.get(), "g", 1);
  go_w.Reset(-1);
  // End of file: the exec succeeded; a message: it did not (no such command, ...).
  std::memset(msg, 0, sizeof msg);
  n = read(ready_r.get(), msg, sizeof msg - 1);
  if (n > 0) return abandon(Status(Code::kNotFound, std::string("Failed to ") + msg));
  // Waits for the command, killing its tree when it outlives the timeout.
  pollfd p{pidfd.get(), POLLIN, 0};
  const int timeout_ms = spec.timeout_s > 0 ? static_cast<int>(spec.timeout_s) * 1000 : -1;
  int ready_fds;
  while ((ready_fds = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (ready_fds == 0) syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  int status = 0;
  pid_t waited;
  while ((waited = waitpid(child, &status, 0)) < 0 && errno == EINTR) {
  }
  const int wait_errno = errno;
  KillTree(child);
  if (waited != child) return FromErrno(wait_errno, "wait for the command");
  TracedRun run = Collect(skel.get());
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.timed_out = ready_fds == 0;
  return run;
}

}  // namespace capset
