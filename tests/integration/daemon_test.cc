// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd, the real daemon on its real socket, started as systemd starts it (the socket
// passed as fd 3) as a non-root user with only CAP_SETFCAP and CAP_FOWNER, driven by real
// clients: authorized and unauthorized callers, capctl without privileges, hostile
// messages, hanging clients, limits, load, a kill in the middle of an apply, idle exit.
#include <fcntl.h>
#include <poll.h>
#include <sys/fanotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <thread>

#include "daemon_harness.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace capset::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr gid_t kAdminGroup = 4243;  // capsetd: allow group "4243" [apply, verify]
constexpr uid_t kVerifier = 4244;    // capsetd: allow user "4244" [verify]
constexpr uid_t kNobody = 65534;     // no rule

void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

// Runs `run` on every way out of a scope (a failed assertion returns early).
struct AtExit {
  std::function<void()> run;
  ~AtExit() { run(); }
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// A raw connection, for what a well-behaved client would never send.
Fd RawConnect(const std::string& path) {
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return Fd();
  return fd;
}

void SendRaw(const Fd& fd, const std::string& bytes) {
  ASSERT_EQ(::send(fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
}

// Reads until the peer closes or `timeout_ms` passes; true if it closed.
bool ReadsToClose(const Fd& fd, int timeout_ms, std::string* got = nullptr) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  char buf[65536];
  while (Clock::now() < deadline) {
    pollfd p{fd.get(), POLLIN, 0};
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (::poll(&p, 1, static_cast<int>(std::max<long>(left, 1))) <= 0) continue;
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n <= 0) return true;
    if (got) got->append(buf, static_cast<size_t>(n));
  }
  return false;
}

class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (starts capsetd as another user with capabilities)";
    dir_ = std::make_unique<ScratchDir>(ScratchDir::Fs::kTmpfs);
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
    root_ = *dir_ / "root";
    for (const char* d : {"", "/etc", "/etc/capset", "/etc/capset/policy.d", "/usr", "/usr/bin",
                          "/var", "/var/lib", "/var/lib/capset"}) {
      ::mkdir((root_ + d).c_str(), 0755);
    }
    // The record's directory belongs to the daemon's user, as StateDirectory=capset makes it.
    ASSERT_EQ(::chown((root_ + "/var/lib/capset").c_str(), UidOf("daemon"), GidOf("daemon")), 0);
    harness_ = std::make_unique<DaemonHarness>(*dir_ / "io.capset.Files");
  }

  void TearDown() override {
    if (harness_ && HasFailure())
      std::fprintf(stderr, "capsetd's log:\n%s", harness_->log().c_str());
  }

  // A small executable file at ROOT/usr/bin/NAME.
  std::string Bin(const std::string& name, mode_t mode = 0755) {
    const std::string p = root_ + "/usr/bin/" + name;
    ::unlink(p.c_str());  // a new inode: no capabilities left from before
    WriteFile(p, "#!/bin/sh\nexit 0\n", mode);
    return p;
  }

  // The test policy: `files` entries, and the capsetd: rules every test uses.
  void Policy(const std::string& files) {
    WriteFile(root_ + "/etc/capset/policy.d/10-test.yaml", "files:\n" + files +
                                                               "capsetd:\n"
                                                               "  allow:\n"
                                                               "    - group: \"4243\"\n"
                                                               "      actions: [apply, verify]\n"
                                                               "    - user: \"4244\"\n"
                                                               "      actions: [verify]\n");
  }

  std::vector<std::string> Args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"--root", root_, "--idle-timeout", "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Calls `method` as uid/gid/groups from a child process; the child's exit code says what
  // came back: 0 success, 10 NotAuthorized, 11 other error, 12 no connection.
  int CallAs(uid_t uid, gid_t gid, std::vector<gid_t> groups, const std::string& method,
             json params = json::object()) {
    const std::string path = harness_->socket_path();
    return RunAs(uid, gid, groups, [&]() {
      Result<varlink::Client> c = varlink::Client::Connect(path);
      if (!c.ok()) return 12;
      Result<varlink::Reply> r = c->Call(method, params, 20000);
      if (!r.ok()) return 11;
      if (r->error == "io.capset.Files.NotAuthorized") return 10;
      return r->error.empty() ? 0 : 11;
    });
  }

  // A fanotify group that holds every open of `path` until the test answers it (FAN_OPEN_PERM)
  // into `ret_fan`; left invalid, and the test skipped, where the kernel has no permission
  // events (GTEST_SKIP returns only from a void function).
  void HoldOpensOf(const std::string& path, Fd& ret_fan) {
    Fd fan(::fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE));
    if (!fan.valid()) {
      GTEST_SKIP() << "fanotify permission events unavailable: " << std::strerror(errno);
    }
    if (::fanotify_mark(fan.get(), FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, path.c_str()) != 0) {
      if (errno == EINVAL || errno == EPERM) {  // no CONFIG_FANOTIFY_ACCESS_PERMISSIONS
        GTEST_SKIP() << "fanotify permission events unavailable: " << std::strerror(errno);
      }
      FAIL() << "fanotify_mark: " << std::strerror(errno);
    }
    ret_fan = std::move(fan);
  }

  // Waits for capsetd's open that `fan` holds; its event (ev.fd is the caller's to close).
  fanotify_event_metadata HeldOpen(const Fd& fan, const std::string& path) {
    fanotify_event_metadata ev{};
    ev.fd = -1;
    pollfd p{fan.get(), POLLIN, 0};
    if (::poll(&p, 1, 60000) != 1) {
      ADD_FAILURE() << "capsetd never opened " << path;
      return ev;
    }
    if (::read(fan.get(), &ev, sizeof ev) < static_cast<ssize_t>(sizeof ev)) {
      ADD_FAILURE() << "reading the fanotify event: " << std::strerror(errno);
      ev.fd = -1;
      return ev;
    }
    EXPECT_EQ(ev.pid, harness_->pid()) << "another process opened " << path;
    return ev;
  }

  // Starts the daemon, asks it to apply, and SIGKILLs it in the middle of the apply: a
  // fanotify permission event on `stop_at` holds capsetd's open of that file until the test
  // has sent the kill, so the kill lands after some files and before others however fast or
  // loaded the machine is (polling for the first changed file raced the apply: on a busy
  // CI machine the whole apply could finish before the poller ran). Skips where the kernel
  // has no fanotify permission events.
  void StartApplyAndKillAt(const std::string& stop_at) {
    Fd fan;
    HoldOpensOf(stop_at, fan);
    if (!fan.valid()) return;
    harness_->Start(Args());
    std::thread caller([&]() {
      Result<varlink::Client> c = varlink::Client::Connect(harness_->socket_path());
      if (c.ok()) (void)c->Call("io.capset.Files.Apply", json::object(), 60000);
    });
    // On every way out (a failed assertion returns early): let a held open go, stop the
    // daemon, and join the caller, whose call then ends (a joinable thread would abort).
    const AtExit cleanup{[&] {
      fan.Reset();
      if (harness_->running()) (void)harness_->Stop(SIGKILL);
      if (caller.joinable()) caller.join();
    }};
    const fanotify_event_metadata ev = HeldOpen(fan, stop_at);
    const Fd event_fd(ev.fd);
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(::kill(harness_->pid(), SIGKILL), 0);  // fatal at once: no more user code runs
    const fanotify_response answer{ev.fd, FAN_DENY};
    ASSERT_EQ(::write(fan.get(), &answer, sizeof answer), static_cast<ssize_t>(sizeof answer));
    EXPECT_EQ(harness_->Stop(SIGKILL), 128 + SIGKILL);
  }

  std::unique_ptr<ScratchDir> dir_;
  std::string root_;
  std::unique_ptr<DaemonHarness> harness_;
};

TEST_F(DaemonTest, RunsUnprivilegedAndDescribesItself) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  harness_->Start(Args({"--max-connections", "8"}));
  varlink::Client c = harness_->Connect();

  Result<varlink::Reply> info = c.Call("org.varlink.service.GetInfo", json::object());
  ASSERT_TRUE(info.ok()) << info.status().message();
  EXPECT_EQ(info->parameters["product"], "capsetd");
  EXPECT_EQ(info->parameters["interfaces"],
            json::array({"org.varlink.service", "io.capset.Files"}));
  for (const char* iface : {"io.capset.Files", "org.varlink.service"}) {
    Result<varlink::Reply> d =
        c.Call("org.varlink.service.GetInterfaceDescription", {{"interface", iface}});
    ASSERT_TRUE(d.ok());
    EXPECT_NE(d->parameters.value("description", "").find(std::string("interface ") + iface),
              std::string::npos);
  }
  Result<varlink::Reply> missing =
      c.Call("org.varlink.service.GetInterfaceDescription", {{"interface", "a.b"}});
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->error, "org.varlink.service.InterfaceNotFound");
  Result<varlink::Reply> method = c.Call("io.capset.Files.Remove", json::object());
  ASSERT_TRUE(method.ok());
  EXPECT_EQ(method->error, "org.varlink.service.MethodNotFound");
  Result<varlink::Reply> param = c.Call("io.capset.Files.Verify", {{"path", "/etc/shadow"}});
  ASSERT_TRUE(param.ok());
  EXPECT_EQ(param->error, "org.varlink.service.InvalidParameter");
  EXPECT_EQ(param->parameters["parameter"], "path");

  // Running as 'daemon' with exactly CAP_SETFCAP and CAP_FOWNER, nothing inheritable/ambient.
  std::ifstream status("/proc/" + std::to_string(harness_->pid()) + "/status");
  std::string line, caps;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) == 0 || line.rfind("Cap", 0) == 0) caps += line + "\n";
  }
  const std::string want = "0000000080000008";
  EXPECT_NE(caps.find("Uid:\t" + std::to_string(UidOf("daemon"))), std::string::npos) << caps;
  EXPECT_NE(caps.find("CapPrm:\t" + want), std::string::npos) << caps;
  EXPECT_NE(caps.find("CapEff:\t" + want), std::string::npos) << caps;
  EXPECT_NE(caps.find("CapInh:\t0000000000000000"), std::string::npos) << caps;
  EXPECT_NE(caps.find("CapAmb:\t0000000000000000"), std::string::npos) << caps;
}

TEST_F(DaemonTest, AuthorizedCallerAppliesAndVerifies) {
  const std::string ping = Bin("ping", 04755);  // set-user-ID root, as packages ship it today
  const std::string arping = Bin("arping");
  Policy(
      "  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n    package: iputils-ping\n"
      "  - path: /usr/bin/arping\n    caps: cap_net_raw,cap_net_admin=p\n");
  harness_->Start(Args());

  // A member of the admin group, through capctl: not privileged, so it asks capsetd.
  const std::vector<std::string> as_admin = {"/usr/bin/setpriv",
                                             "--reuid=" + std::to_string(kNobody),
                                             "--regid=" + std::to_string(kNobody),
                                             "--groups=" + std::to_string(kAdminGroup),
                                             "--inh-caps=-all",
                                             "--bounding-set=-all",
                                             CapctlPath()};
  const std::vector<std::string> env = {"CAPSET_DAEMON_SOCKET=" + harness_->socket_path()};
  auto capctl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = as_admin;
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv, "", std::nullopt, env);
  };
  CommandResult verify = capctl({"policy", "verify"});
  EXPECT_EQ(verify.exit_code, 3) << verify.err;  // drift
  EXPECT_NE(verify.out.find(ping + ": drift: caps none -> cap_net_raw=p, setuid set -> unset"),
            std::string::npos)
      << verify.out;

  CommandResult apply = capctl({"policy", "apply", "--package", "iputils-ping"});
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_NE(apply.out.find("changed " + ping), std::string::npos) << apply.out;
  EXPECT_EQ(apply.out.find(arping), std::string::npos) << apply.out;  // other package
  CommandResult json_apply = capctl({"policy", "apply", "--json"});
  ASSERT_EQ(json_apply.exit_code, 0) << json_apply.err;
  const json report = json::parse(json_apply.out);
  EXPECT_EQ(report["summary"]["changed"], 1);  // arping; ping was done already
  EXPECT_EQ(report["summary"]["entries"], 2);

  CommandResult getcap = RunCommand({GetcapPath(), ping, arping});
  EXPECT_EQ(getcap.out, ping + " cap_net_raw=p\n" + arping + " cap_net_admin,cap_net_raw=p\n");
  struct stat st {};
  ASSERT_EQ(::stat(ping.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);  // the set-user-ID bit is gone (CAP_FOWNER)

  // Idempotent: nothing to change, and a verify-only user may verify.
  EXPECT_EQ(capctl({"policy", "apply"}).out, "");
  EXPECT_EQ(CallAs(kVerifier, kVerifier, {}, "io.capset.Files.Verify"), 0);

  // capsetd recorded what it applied, so an entry taken out of the policy loses it again.
  const std::string record = root_ + "/var/lib/capset/applied-files.json";
  ASSERT_EQ(::stat(record.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, UidOf("daemon"));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n    package: iputils-ping\n");
  apply = capctl({"policy", "apply"});
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_NE(apply.out.find("changed " + arping +
                           ": caps cap_net_admin,cap_net_raw=p -> none (no longer in the policy)"),
            std::string::npos)
      << apply.out;
  getcap = RunCommand({GetcapPath(), ping, arping});
  EXPECT_EQ(getcap.out, ping + " cap_net_raw=p\n");
  EXPECT_EQ(capctl({"policy", "verify"}).exit_code, 0);
}

TEST_F(DaemonTest, UnauthorizedCallersChangeNothing) {
  const std::string ping = Bin("ping", 04755);
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  harness_->Start(Args());

  EXPECT_EQ(CallAs(kNobody, kNobody, {}, "io.capset.Files.Apply"), 10);
  EXPECT_EQ(CallAs(kNobody, kNobody, {}, "io.capset.Files.Verify"), 10);
  EXPECT_EQ(CallAs(kNobody, kNobody, {}, "io.capset.Files.Apply", {{"dry_run", true}}), 10);
  // Verify-only may not apply; the admin group as a primary group counts too.
  EXPECT_EQ(CallAs(kVerifier, kVerifier, {}, "io.capset.Files.Apply"), 10);
  EXPECT_EQ(CallAs(kVerifier, kNobody, {}, "io.capset.Files.Verify"), 0);
  // A name that is not the group, and a group id one off.
  EXPECT_EQ(CallAs(kNobody, kAdminGroup + 1, {kAdminGroup - 1}, "io.capset.Files.Apply"), 10);

  CommandResult capctl =
      RunCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  CapctlPath(), "policy", "apply"},
                 "", std::nullopt, {"CAPSET_DAEMON_SOCKET=" + harness_->socket_path()});
  EXPECT_EQ(capctl.exit_code, 1);
  EXPECT_NE(capctl.err.find("capsetd refused: the policy's capsetd: section does not allow uid "
                            "65534 to apply"),
            std::string::npos)
      << capctl.err;

  EXPECT_EQ(RawCapXattr(ping), "");
  struct stat st {};
  ASSERT_EQ(::stat(ping.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_NE(harness_->log().find("refused io.capset.Files.Apply from uid 65534"),
            std::string::npos);
  // An allowed member still gets through afterwards.
  EXPECT_EQ(CallAs(kNobody, kNobody, {kAdminGroup}, "io.capset.Files.Apply"), 0);
  EXPECT_NE(RawCapXattr(ping), "");
}

// CPU time (user + system) the process has used, in seconds.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(all.substr(all.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stoull(f);
    if (i == 15) stime = std::stoull(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Issue 11: capsetd parsed the whole policy before it authorized a call, so 1,000 oneway
// calls from a user allowed nothing cost 24 s of CPU and delayed root's call by 23 s. Now the
// caller is authorized first against the cached policy.
TEST_F(DaemonTest, CallsOfCallersAllowedNothingCostLittle) {
  std::string files;
  for (int i = 0; i < 3000; ++i) {
    files += "  - path: /usr/bin/tool" + std::to_string(i) + "\n    caps: cap_net_raw=p\n";
  }
  Policy(files);
  harness_->Start(Args());
  {
    varlink::Client c = harness_->Connect();
    ASSERT_TRUE(c.Call("io.capset.Files.Verify", json::object(), 20000).ok());
  }
  const double before = CpuSeconds(harness_->pid());
  std::string flood;
  for (int i = 0; i < 1000; ++i) {
    flood += "{\"method\":\"io.capset.Files.Apply\",\"oneway\":true}" + std::string(1, '\0');
  }
  pid_t flooder = SpawnAs(kNobody, kNobody, {}, [&]() {
    Fd fd = RawConnect(harness_->socket_path());
    for (size_t sent = 0; sent < flood.size();) {
      const ssize_t n = ::send(fd.get(), flood.data() + sent,
                               std::min<size_t>(60000, flood.size() - sent), MSG_NOSIGNAL);
      if (n <= 0) return 1;
      sent += static_cast<size_t>(n);
    }
    ::shutdown(fd.get(), SHUT_WR);
    return ReadsToClose(fd, 60000) ? 0 : 2;
  });
  ::usleep(100000);
  const auto t0 = Clock::now();
  varlink::Client root = harness_->Connect();
  ASSERT_TRUE(root.Call("org.varlink.service.GetInfo", json::object(), 20000).ok());
  const double root_wait = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(WaitChild(flooder), 0);
  const double spent = CpuSeconds(harness_->pid()) - before;
  std::printf(
      "1,000 refused oneway calls on a 3,000-entry policy: %.2f s of capsetd's CPU; "
      "root answered after %.3f s\n",
      spent, root_wait);
  EXPECT_LT(spent, 2.0) << "each refused call must not read and parse the policy";
  EXPECT_LT(root_wait, 2.0);
  EXPECT_NE(harness_->log().find("refused io.capset.Files.Apply from uid 65534"),
            std::string::npos);
}

// The cached policy is the policy as it is now: a rule taken away refuses the next call, and
// an untrusted policy file allows nobody anything and applies nothing.
TEST_F(DaemonTest, PolicyChangesAndUntrustedFilesTakeEffectAtOnce) {
  const std::string ping = Bin("ping");
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  harness_->Start(Args());
  EXPECT_EQ(CallAs(kVerifier, kVerifier, {}, "io.capset.Files.Verify"), 0);
  WriteFile(root_ + "/etc/capset/policy.d/10-test.yaml",
            "files:\n  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  EXPECT_EQ(CallAs(kVerifier, kVerifier, {}, "io.capset.Files.Verify"), 10);

  // Issue 11: a world-writable policy file gave nobody cap_sys_admin=ep on a root-owned file.
  const std::string victim = Bin("victim");
  const std::string evil = root_ + "/etc/capset/policy.d/50-evil.yaml";
  WriteFile(evil,
            "capsetd:\n  allow:\n    - user: \"65534\"\n      actions: [apply]\n"
            "files:\n  - path: /usr/bin/victim\n    caps: cap_sys_admin=ep\n",
            0666);
  EXPECT_EQ(CallAs(kNobody, kNobody, {}, "io.capset.Files.Apply"), 10);
  EXPECT_EQ(CallAs(kNobody, kNobody, {kAdminGroup}, "io.capset.Files.Apply"), 10)
      << "the good file no longer allows the group either: its rule was removed above";
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> r = c.Call("io.capset.Files.Apply", json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RawCapXattr(victim), "") << "an untrusted policy file granted a capability";
  EXPECT_NE(r->parameters.dump().find("is writable by everyone"), std::string::npos)
      << r->parameters.dump();
  // The same file given a POSIX ACL instead: user 65534 may write it.
  ::chmod(evil.c_str(), 0644);
  ASSERT_EQ(std::system(("setfacl -m u:65534:rw " + evil).c_str()), 0);
  EXPECT_EQ(CallAs(kNobody, kNobody, {}, "io.capset.Files.Apply"), 10);
  r = c.Call("io.capset.Files.Apply", json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RawCapXattr(victim), "");
  EXPECT_NE(r->parameters.dump().find("through its POSIX ACL"), std::string::npos)
      << r->parameters.dump();
}

// Counts the opens of some files (fanotify, without permission events).
class OpenCounter {
 public:
  explicit OpenCounter(const std::vector<std::string>& paths)
      : fan_(::fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY)) {
    for (const std::string& p : paths) {
      if (fan_.valid() &&
          ::fanotify_mark(fan_.get(), FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, p.c_str()) != 0) {
        fan_ = Fd();
      }
    }
  }
  bool valid() const { return fan_.valid(); }
  // The opens since the last call.
  int Take() {
    int opens = 0;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fan_.get(), buf, sizeof buf)) > 0) {
      size_t off = 0;
      while (off + sizeof(fanotify_event_metadata) <= static_cast<size_t>(n)) {
        fanotify_event_metadata ev{};
        std::memcpy(&ev, buf + off, sizeof ev);  // unaligned in the buffer
        if (ev.event_len < sizeof ev) break;
        if (ev.fd >= 0) ::close(ev.fd);
        ++opens;
        off += ev.event_len;
      }
    }
    return opens;
  }

 private:
  Fd fan_;
};

// Issue 17: capsetd keeps its policy and its record while nothing they depend on changes, and
// misses no change: a policy file rewritten in place to the same size in the same second, an
// ancestor of the root made writable by everyone (the old fingerprint looked only at the root
// and below it), the record rewritten behind its back, and its directory given an ACL.
TEST_F(DaemonTest, SettledPolicyAndRecordAreReadOnceAndNoChangeIsMissed) {
  const std::string ping = Bin("ping");
  const std::string pong = Bin("pong");
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  const std::string policy = root_ + "/etc/capset/policy.d/10-test.yaml";
  const std::string record = root_ + "/var/lib/capset/applied-files.json";
  harness_->Start(Args());
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> r = c.Call("io.capset.Files.Apply", json::object());
  ASSERT_TRUE(r.ok() && r->error.empty());
  ::usleep(1100 * 1000);  // the policy and the record settle
  const auto verify = [&] {
    Result<varlink::Reply> v = c.Call("io.capset.Files.Verify", json::object());
    EXPECT_TRUE(v.ok() && v->error.empty());
    return v.ok() ? v->parameters : json();
  };
  EXPECT_EQ(verify()["ok"], true);
  OpenCounter opens({policy, record});
  if (!opens.valid()) GTEST_SKIP() << "fanotify unavailable: " << std::strerror(errno);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(verify()["ok"], true);
  EXPECT_EQ(opens.Take(), 0) << "a settled policy and record were read again";
  // A directory capsetd may search but not read (0711) is walked all the same.
  ASSERT_EQ(::chmod((root_ + "/usr").c_str(), 0711), 0);
  EXPECT_EQ(verify()["ok"], true);
  ASSERT_EQ(::chmod((root_ + "/usr").c_str(), 0755), 0);

  // The policy file rewritten in place, to the same size: ping should now have cap_net_raw=i.
  {
    std::string text = ReadFile(policy);
    const size_t at = text.find("cap_net_raw=p");
    ASSERT_NE(at, std::string::npos);
    text[at + 12] = 'i';
    std::ofstream(policy) << text;  // O_TRUNC: the same inode
  }
  json v = verify();
  EXPECT_EQ(v["ok"], false) << v.dump();
  EXPECT_GE(opens.Take(), 1);
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  ::usleep(1100 * 1000);
  EXPECT_EQ(verify()["ok"], true);

  // An ancestor of the root made writable by everyone: the policy no longer counts.
  ASSERT_EQ(::chmod(dir_->path().c_str(), 0777), 0);
  v = verify();
  EXPECT_NE(v.dump().find("writable by everyone"), std::string::npos) << v.dump();
  ASSERT_EQ(::chmod(dir_->path().c_str(), 0755), 0);
  ::usleep(1100 * 1000);
  EXPECT_EQ(verify()["ok"], true);
  opens.Take();

  // The record rewritten in place behind capsetd's back: it says pong was given a capability.
  {
    std::string text = ReadFile(record);
    const size_t at = text.find("/usr/bin/ping");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 13, "/usr/bin/pong");
    std::ofstream(record) << text;
  }
  v = verify();
  EXPECT_NE(v.dump().find("/usr/bin/pong"), std::string::npos)
      << "the record was not read again: " << v.dump();
  EXPECT_GE(opens.Take(), 1);
  ::usleep(1100 * 1000);
  verify();

  // The record's directory given an ACL that lets a user write it: the record is refused.
  ASSERT_EQ(std::system(("setfacl -m u:65534:rwx " + root_ + "/var/lib/capset").c_str()), 0);
  v = verify();
  EXPECT_NE(v["record"]["error"].dump().find("Refusing the record directory"), std::string::npos)
      << v.dump();
}

TEST_F(DaemonTest, HostileMessagesCloseOnlyTheirConnection) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  Bin("ping");
  harness_->Start(Args());
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  const std::vector<std::string> bad = {
      "not json",
      "[1,2,3]",
      "{\"method\": 42}",
      "{\"method\": \"NoInterface\"}",
      "{\"method\": \"io.capset.Files.apply\"}",
      "{\"method\": \"io.capset.Files.Verify\", \"parameters\": []}",
      "{\"method\": \"io.capset.Files.Verify\", \"extra\": 1}",
      "{\"method\": \"io.capset.Files.Verify\", \"upgrade\": true}",
      "{\"method\": \"io.capset.Files.Verify\", \"parameters\": {\"package\": " + deep + "}}",
      "{\"method\": \"io.capset.Files.Verify\", \"parameters\": {\"package\": \"" +
          std::string(5000, 'x') + "\"}}",
      std::string("{\"method\": \"io.capset.Files.Verify\xff\"}"),
  };
  for (const auto& message : bad) {
    Fd fd = RawConnect(harness_->socket_path());
    ASSERT_TRUE(fd.valid());
    SendRaw(fd, message + std::string(1, '\0'));
    std::string got;
    EXPECT_TRUE(ReadsToClose(fd, 5000, &got)) << message.substr(0, 80);
    EXPECT_EQ(got, "") << message.substr(0, 80);
  }
  // Oversized: 1 MiB without a NUL is cut off at the 64 KiB limit.
  {
    Fd fd = RawConnect(harness_->socket_path());
    const std::string big(1 << 20, 'a');
    ::send(fd.get(), big.data(), big.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    EXPECT_TRUE(ReadsToClose(fd, 5000));
  }
  // A good call pipelined before a bad one is answered first.
  {
    Fd fd = RawConnect(harness_->socket_path());
    SendRaw(fd, varlink::EncodeCall("org.varlink.service.GetInfo", json::object()) +
                    std::string("garbage", 8));
    std::string got;
    EXPECT_TRUE(ReadsToClose(fd, 5000, &got));
    EXPECT_NE(got.find("\"product\":\"capsetd\""), std::string::npos) << got;
  }
  // A oneway call gets no reply; the next call on the connection does.
  {
    Fd fd = RawConnect(harness_->socket_path());
    SendRaw(fd, "{\"method\":\"org.varlink.service.GetInfo\",\"oneway\":true}" +
                    std::string(1, '\0') +
                    varlink::EncodeCall("io.capset.Files.Verify", json::object()));
    std::string got;
    ::shutdown(fd.get(), SHUT_WR);
    EXPECT_TRUE(ReadsToClose(fd, 5000, &got));
    EXPECT_EQ(std::count(got.begin(), got.end(), '\0'), 1) << got;
    EXPECT_NE(got.find("\"entries\""), std::string::npos) << got;
  }
  ASSERT_TRUE(harness_->running());
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> r = c.Call("io.capset.Files.Verify", json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->parameters["summary"]["entries"], 1);
  EXPECT_NE(harness_->log().find("malformed message"), std::string::npos);
}

TEST_F(DaemonTest, HangingAndVanishingClientsDoNotHoldTheDaemon) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  Bin("ping");
  harness_->Start(Args({"--request-timeout", "1", "--connection-timeout", "2"}));

  Fd hanging = RawConnect(harness_->socket_path());
  SendRaw(hanging, "{\"method\": \"io.capset.Fi");  // and never the rest
  Fd silent = RawConnect(harness_->socket_path());  // connects, says nothing
  {
    Fd vanishing = RawConnect(harness_->socket_path());
    SendRaw(vanishing, "{\"method\": \"io.capset.Files.Apply\", \"param");
  }  // closed mid-message

  // Others are served at once meanwhile.
  const auto t0 = Clock::now();
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> r = c.Call("io.capset.Files.Verify", json::object(), 5000);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(900));

  EXPECT_TRUE(ReadsToClose(hanging, 3000)) << "an incomplete message is dropped after 1 s";
  EXPECT_TRUE(ReadsToClose(silent, 4000)) << "an idle connection is closed after 2 s";
  const std::string log = harness_->log();
  EXPECT_NE(log.find("its message was not completed in time"), std::string::npos) << log;
  EXPECT_NE(log.find("disconnected in the middle of a message"), std::string::npos) << log;
  EXPECT_TRUE(harness_->running());
}

// A child process as uid/gid that opens `n` connections, is answered on each, and holds
// them for `hold_ms`.
pid_t HoldConnections(const std::string& socket, uid_t uid, gid_t gid, int n, int hold_ms) {
  return SpawnAs(uid, gid, {}, [=]() {
    std::vector<varlink::Client> held;
    for (int i = 0; i < n; ++i) {
      Result<varlink::Client> c = varlink::Client::Connect(socket);
      if (!c.ok()) return 1;
      held.push_back(std::move(c).value());
      if (!held.back().Call("org.varlink.service.GetInfo", json::object(), 3000).ok()) return 2;
    }
    ::usleep(static_cast<useconds_t>(hold_ms) * 1000);
    return 0;
  });
}

TEST_F(DaemonTest, ConnectionLimits) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  Bin("ping");
  harness_->Start(Args({"--max-connections", "4", "--max-connections-per-user", "2",
                        "--max-unauthorized-connections", "2"}));
  const std::string socket = harness_->socket_path();
  auto closed_at_once = [&](uid_t uid, gid_t gid) {
    return RunAs(uid, gid, {}, [&]() {
      Fd c = RawConnect(socket);
      return ReadsToClose(c, 3000) ? 0 : 1;
    });
  };

  // Per user: a third connection of uid 5001 (an admin-group member) is closed at once.
  pid_t a = HoldConnections(socket, 5001, kAdminGroup, 2, 1500);
  ::usleep(500000);
  EXPECT_EQ(closed_at_once(5001, kAdminGroup), 0) << "a third connection of one user";
  EXPECT_EQ(WaitChild(a), 0);

  // Issue 11: callers the policy allows nothing share --max-unauthorized-connections, and
  // cannot crowd out the callers it names.
  pid_t n1 = HoldConnections(socket, 5101, 5101, 1, 2000);
  pid_t n2 = HoldConnections(socket, 5102, 5102, 1, 2000);
  ::usleep(500000);
  EXPECT_EQ(closed_at_once(5103, 5103), 0) << "a third caller allowed nothing";
  EXPECT_EQ(CallAs(5001, kAdminGroup, {}, "io.capset.Files.Verify"), 0)
      << "an authorized caller still gets a connection";
  EXPECT_EQ(WaitChild(n1), 0);
  EXPECT_EQ(WaitChild(n2), 0);

  // In all: with four non-root connections open, a fifth non-root caller is closed at once,
  // but root is served (it has connections of its own); beyond those, root waits in the
  // socket's backlog until one closes.
  pid_t m1 = HoldConnections(socket, 5001, kAdminGroup, 2, 3000);
  pid_t m2 = HoldConnections(socket, 5002, kAdminGroup, 2, 3000);
  ::usleep(700000);
  EXPECT_EQ(closed_at_once(5003, kAdminGroup), 0) << "served beyond --max-connections";
  std::vector<varlink::Client> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(harness_->Connect());
    ASSERT_TRUE(held.back().Call("org.varlink.service.GetInfo", json::object(), 2000).ok())
        << "root's connection " << i << " while non-root callers hold all of theirs";
  }
  varlink::Client waiting = harness_->Connect();
  Result<varlink::Reply> waited = waiting.Call("org.varlink.service.GetInfo", json::object(), 500);
  EXPECT_FALSE(waited.ok()) << "served beyond --max-connections and root's reserve";
  held.erase(held.begin());  // closes one
  Result<varlink::Reply> served = waiting.Call("org.varlink.service.GetInfo", json::object(), 5000);
  // The first call was queued and is answered first; either reply proves it was served.
  EXPECT_TRUE(served.ok()) << served.status().message();
  EXPECT_EQ(WaitChild(m1), 0);
  EXPECT_EQ(WaitChild(m2), 0);
}

TEST_F(DaemonTest, LoadFromDozensOfClients) {
  std::string files;
  for (int i = 0; i < 20; ++i) {
    Bin("tool" + std::to_string(i));
    files += "  - path: /usr/bin/tool" + std::to_string(i) + "\n    caps: cap_net_raw=p\n";
  }
  Policy(files);
  harness_->Start(Args({"--max-connections", "64", "--max-connections-per-user", "16"}));
  {
    varlink::Client c = harness_->Connect();
    ASSERT_TRUE(c.Call("io.capset.Files.Apply", json::object()).ok());
  }

  constexpr int kThreads = 32, kCalls = 100, kProcesses = 8, kProcessCalls = 50;
  std::vector<std::vector<double>> latency(kThreads);
  std::atomic<int> errors{0};
  const auto t0 = Clock::now();
  // Eight more clients, as a member of the admin group, in their own processes, forked
  // before any thread starts.
  std::vector<pid_t> procs;
  for (int p = 0; p < kProcesses; ++p) {
    procs.push_back(SpawnAs(kNobody, kNobody, {kAdminGroup}, [&]() {
      Result<varlink::Client> c = varlink::Client::Connect(harness_->socket_path());
      if (!c.ok()) return 1;
      for (int i = 0; i < kProcessCalls; ++i) {
        Result<varlink::Reply> r = c->Call("io.capset.Files.Verify", json::object(), 30000);
        if (!r.ok() || !r->error.empty() || r->parameters["ok"] != true) return 2;
      }
      return 0;
    }));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t]() {
      Result<varlink::Client> c = varlink::Client::Connect(harness_->socket_path());
      if (!c.ok()) {
        errors += kCalls;
        return;
      }
      for (int i = 0; i < kCalls; ++i) {
        const auto s = Clock::now();
        Result<varlink::Reply> r =
            c->Call(i % 10 == 0 ? "io.capset.Files.Apply" : "io.capset.Files.Verify",
                    json::object(), 30000);
        latency[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        if (!r.ok() || !r->error.empty() || r->parameters["ok"] != true ||
            r->parameters["summary"]["entries"] != 20) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  int proc_failures = 0;
  for (const pid_t p : procs) proc_failures += WaitChild(p) != 0;
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::vector<double> all;
  for (const auto& l : latency) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t{kThreads * kCalls});
  const double p50 = all[all.size() / 2], p99 = all[all.size() * 99 / 100], max = all.back();
  const int total = kThreads * kCalls + kProcesses * kProcessCalls;
  std::printf(
      "capsetd load: %d calls from %d clients in %.2f s (%.0f/s), zero errors: %s; "
      "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      total, kThreads + kProcesses, seconds, total / seconds,
      errors == 0 && proc_failures == 0 ? "yes" : "NO", p50, p99, max);
  RecordProperty("p50_ms", std::to_string(p50));
  RecordProperty("p99_ms", std::to_string(p99));
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(proc_failures, 0);
}

// Calls are answered on worker threads: an Apply held in the middle (a fanotify permission
// event holds capsetd's open of one file) holds neither the Verify nor the GetInfo of other
// callers, and a second Apply waits for the first instead of taking the last worker. Once the
// open is let go, both Apply calls finish. Single-threaded, the Verify waited for the Apply.
TEST_F(DaemonTest, AnApplyInProgressHoldsNoOtherCaller) {
  // tool1, where the Apply is held, is package a's; the Verify asks for package b's alone,
  // which a worker answers without touching tool1.
  std::string files;
  for (int i = 0; i < 3; ++i) {
    Bin("tool" + std::to_string(i));
    files += "  - path: /usr/bin/tool" + std::to_string(i) +
             "\n    caps: cap_net_raw=p\n    package: " + (i == 2 ? "b" : "a") + "\n";
  }
  Policy(files);
  const std::string held = root_ + "/usr/bin/tool1";
  Fd fan;
  HoldOpensOf(held, fan);
  if (!fan.valid()) return;
  harness_->Start(Args());
  std::atomic<int> applies_done{0}, applies_ok{0};
  auto apply = [&] {
    Result<varlink::Client> c = varlink::Client::Connect(harness_->socket_path());
    if (c.ok()) {
      Result<varlink::Reply> r = c->Call("io.capset.Files.Apply", json::object(), 60000);
      applies_ok += r.ok() && r->error.empty() && r->parameters["ok"] == true;
    }
    ++applies_done;
  };
  std::thread first(apply);
  const AtExit cleanup{[&] {
    fan.Reset();  // lets a held open go
    if (first.joinable()) first.join();
  }};
  const fanotify_event_metadata ev = HeldOpen(fan, held);
  const Fd event_fd(ev.fd);
  ASSERT_FALSE(HasFailure());

  // The first Apply is held inside capsetd. A second waits behind it; Verify and GetInfo are
  // answered meanwhile, by the daemon and as a caller the policy names.
  std::thread second(apply);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the second is queued
  EXPECT_EQ(CallAs(kNobody, kNobody, {kAdminGroup}, "io.capset.Files.Verify", {{"package", "b"}}),
            0);
  EXPECT_EQ(CallAs(kNobody, kNobody, {kAdminGroup}, "org.varlink.service.GetInfo"), 0);
  EXPECT_EQ(applies_done, 0);

  const fanotify_response allow{ev.fd, FAN_ALLOW};
  ASSERT_EQ(::write(fan.get(), &allow, sizeof allow), static_cast<ssize_t>(sizeof allow));
  first.join();
  second.join();
  EXPECT_EQ(applies_ok, 2);
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> verify = c.Call("io.capset.Files.Verify", json::object(), 60000);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->parameters["ok"], true);
  EXPECT_EQ(verify->parameters["summary"]["drift"], 0);
}

// An Apply with nothing to write is answered by the dry run that finds so, from the record
// capsetd keeps: it opens neither the record nor any file, and replies what the apply would
// (capctl's own report of the same apply). While another apply holds the writers' lock, every
// Apply waits for it, the one with nothing to write included; one whose files are already as
// wanted but whose record does not say so (set by hand) writes its record in its turn.
TEST_F(DaemonTest, AnApplyWithNothingToWriteIsAnsweredFromWhatIsKept) {
  std::string files;
  const char* packages[] = {"a", "a", "b", "c"};
  for (int i = 0; i < 4; ++i) {
    Bin("tool" + std::to_string(i));
    files += "  - path: /usr/bin/tool" + std::to_string(i) +
             "\n    caps: cap_net_raw=p\n    package: " + packages[i] + "\n";
  }
  Policy(files);
  const std::string record = root_ + "/var/lib/capset/applied-files.json";
  harness_->Start(Args());
  // Package b applied and recorded; tool3 (package c) given its capabilities by hand.
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> b = c.Call("io.capset.Files.Apply", {{"package", "b"}}, 60000);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->parameters["summary"]["changed"], 1) << b->parameters.dump();
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", root_ + "/usr/bin/tool3"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // the policy and record settle
  ASSERT_EQ(ReadFile(record).find("tool3"), std::string::npos);
  // The first call after they settled reads them once more, and then keeps them.
  ASSERT_TRUE(c.Call("io.capset.Files.Verify", {{"package", "b"}}, 20000).ok());

  {
    // Every open of the record held: the Apply must not need one.
    Fd fan;
    HoldOpensOf(record, fan);
    if (!fan.valid()) return;
    const AtExit release{[&] { fan.Reset(); }};
    Result<varlink::Reply> again = c.Call("io.capset.Files.Apply", {{"package", "b"}}, 20000);
    ASSERT_TRUE(again.ok()) << again.status().message() << " (the Apply opened the record)";
    EXPECT_TRUE(again->error.empty()) << again->error;
    pollfd p{fan.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 0) << "an Apply with nothing to write read the record again";
    EXPECT_EQ(again->parameters["ok"], true);
    EXPECT_EQ(again->parameters["summary"]["changed"], 0);
    EXPECT_FALSE(again->parameters["summary"].contains("would_change"));
    fan.Reset();
    // What a locked apply of the same state reports (capctl runs one), but for the record:
    // capctl, as root, takes a record directory of this test's daemon user for someone else's.
    const CommandResult local = RunCommand(
        {CapctlPath(), "policy", "apply", "--local", "--json", "--package", "b", "--root", root_});
    ASSERT_EQ(local.exit_code, 0) << local.err;
    json want = json::parse(local.out), have = again->parameters;
    EXPECT_TRUE(have["record"]["error"].is_null()) << have.dump();
    EXPECT_EQ(have["record"]["path"], b->parameters["record"]["path"]);
    want.erase("record");
    have.erase("record");
    EXPECT_EQ(have, want);
  }

  const std::string held = root_ + "/usr/bin/tool1";
  Fd fan;
  HoldOpensOf(held, fan);
  if (!fan.valid()) return;
  std::atomic<int> done{0}, ok{0};
  auto apply = [&](const char* package) {
    Result<varlink::Client> client = varlink::Client::Connect(harness_->socket_path());
    if (client.ok()) {
      Result<varlink::Reply> r =
          client->Call("io.capset.Files.Apply", {{"package", package}}, 60000);
      ok += r.ok() && r->error.empty() && r->parameters["ok"] == true;
    }
    ++done;
  };
  std::thread writer_a(apply, "a");
  std::thread others[2];
  const AtExit cleanup{[&] {
    fan.Reset();  // lets a held open go
    if (writer_a.joinable()) writer_a.join();
    for (auto& t : others) {
      if (t.joinable()) t.join();
    }
  }};
  const fanotify_event_metadata ev = HeldOpen(fan, held);
  const Fd event_fd(ev.fd);
  ASSERT_FALSE(HasFailure());

  // Package a's Apply holds the writers' lock. Package b's waits for it although it has
  // nothing to write; package c's, which must write its record, too.
  others[0] = std::thread(apply, "b");
  others[1] = std::thread(apply, "c");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(done, 0) << "an Apply was answered while another held the writers' lock";
  EXPECT_EQ(CallAs(kNobody, kNobody, {kAdminGroup}, "io.capset.Files.Verify", {{"package", "b"}}),
            0);

  const fanotify_response allow{ev.fd, FAN_ALLOW};
  ASSERT_EQ(::write(fan.get(), &allow, sizeof allow), static_cast<ssize_t>(sizeof allow));
  writer_a.join();
  for (auto& t : others) t.join();
  EXPECT_EQ(ok, 3);
  const std::string text = ReadFile(record);
  for (const char* tool : {"tool0", "tool1", "tool2", "tool3"}) {
    EXPECT_NE(text.find(std::string("/usr/bin/") + tool), std::string::npos) << tool << text;
  }
}

TEST_F(DaemonTest, KilledDuringApplyLeavesOldOrNewAndRestartCompletes) {
  constexpr int kFiles = 2000;
  std::string files;
  files.reserve(kFiles * 64);
  std::vector<std::string> paths;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "f" + std::to_string(i);
    paths.push_back(Bin(name));
    files += "  - path: /usr/bin/" + name + "\n    caps: cap_net_raw,cap_net_admin=p\n";
  }
  Policy(files);
  // The new state's exact bytes, as setcap writes them.
  const std::string reference = Bin("reference");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw,cap_net_admin=p", reference}).exit_code, 0);
  const std::string want = RawCapXattr(reference);
  ASSERT_FALSE(want.empty());

  const std::string held = paths[paths.size() / 2];
  StartApplyAndKillAt(held);
  if (IsSkipped() || HasFatalFailure()) return;
  // The file capsetd was stopped at was never written: the kill did interrupt the apply.
  ASSERT_TRUE(RawCapXattr(held).empty()) << held;

  size_t old_state = 0, new_state = 0;
  for (const auto& p : paths) {
    const std::string have = RawCapXattr(p);
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    ASSERT_EQ(st.st_mode & 07777, 0755u) << p;
    if (have.empty()) {
      ++old_state;
    } else {
      ASSERT_EQ(have, want) << p << ": neither the old nor the new state";
      ++new_state;
    }
  }
  std::printf("killed during apply: %zu files new, %zu old, 0 partial\n", new_state, old_state);
  EXPECT_GT(new_state, 0u);
  EXPECT_GT(old_state, 0u) << "the apply finished before the kill; nothing was interrupted";

  // Started again on the same socket, the next apply completes the work.
  harness_->Start(Args());
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> again = c.Call("io.capset.Files.Apply", json::object(), 60000);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->parameters["summary"]["changed"], old_state);
  Result<varlink::Reply> verify = c.Call("io.capset.Files.Verify", json::object(), 60000);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->parameters["ok"], true);
  EXPECT_EQ(verify->parameters["summary"]["drift"], 0);
  for (const auto& p : paths) ASSERT_EQ(RawCapXattr(p), want) << p;
}

TEST_F(DaemonTest, KilledWhileReplacingSetuidNeverLeavesLessOrMore) {
  // Replacing set-user-ID root by capabilities takes two steps (fsetxattr, then fchmod); the
  // kernel has no call for both. A kill between them leaves capabilities + the set-user-ID
  // bit: the old privilege, the program still working; never neither, never other bits.
  constexpr int kFiles = 2000;
  std::string files;
  std::vector<std::string> paths;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "s" + std::to_string(i);
    paths.push_back(Bin(name, 04755));
    files += "  - path: /usr/bin/" + name + "\n    caps: cap_net_raw=p\n";
  }
  Policy(files);
  const std::string reference = Bin("reference");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", reference}).exit_code, 0);
  const std::string want = RawCapXattr(reference);

  const std::string held = paths[paths.size() / 2];
  StartApplyAndKillAt(held);
  if (IsSkipped() || HasFatalFailure()) return;
  // The file capsetd was stopped at was never written: the kill did interrupt the apply.
  ASSERT_TRUE(RawCapXattr(held).empty()) << held;

  size_t old_state = 0, new_state = 0, between = 0;
  for (const auto& p : paths) {
    const std::string have = RawCapXattr(p);
    struct stat st {};
    ASSERT_EQ(::stat(p.c_str(), &st), 0);
    const mode_t mode = st.st_mode & 07777;
    if (have.empty()) {
      ASSERT_EQ(mode, 04755u) << p << ": set-user-ID cleared before the capabilities were set";
      ++old_state;
    } else {
      ASSERT_EQ(have, want) << p;
      ASSERT_TRUE(mode == 0755u || mode == 04755u) << p;
      ++(mode == 0755u ? new_state : between);
    }
  }
  std::printf(
      "killed while replacing set-user-ID: %zu new, %zu old, %zu with both (the old "
      "privilege), 0 with neither\n",
      new_state, old_state, between);
  EXPECT_GT(old_state, 0u) << "the apply finished before the kill; nothing was interrupted";

  harness_->Start(Args());
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> again = c.Call("io.capset.Files.Apply", json::object(), 60000);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->parameters["summary"]["changed"], old_state + between);
  Result<varlink::Reply> verify = c.Call("io.capset.Files.Verify", json::object(), 60000);
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->parameters["summary"]["drift"], 0);
}

TEST_F(DaemonTest, ExitsWhenIdleAndIsStartedAgainOnDemand) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  Bin("ping");
  harness_->Start({"--root", root_, "--idle-timeout", "1"});
  {
    varlink::Client c = harness_->Connect();
    ASSERT_TRUE(c.Call("org.varlink.service.GetInfo", json::object()).ok());
  }
  EXPECT_EQ(harness_->WaitExit(5000), 0) << "still running 5 s after the last client left";
  // A client that connects meanwhile waits on the socket; the next start serves it.
  varlink::Client waiting = harness_->Connect();
  harness_->Start({"--root", root_, "--idle-timeout", "1"});
  EXPECT_TRUE(waiting.Call("io.capset.Files.Verify", json::object(), 5000).ok());
}

// Issue 11: started with more than it needs (here: as root, with everything), capsetd narrowed
// its permitted and effective sets but kept the whole bounding set.
TEST_F(DaemonTest, StartedWithMoreItNarrowsEverySetIncludingTheBoundingSet) {
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  harness_->Start(Args(), "root");
  varlink::Client c = harness_->Connect();
  ASSERT_TRUE(c.Call("org.varlink.service.GetInfo", json::object()).ok());
  std::ifstream status("/proc/" + std::to_string(harness_->pid()) + "/status");
  std::string line, caps;
  while (std::getline(status, line)) {
    if (line.rfind("Cap", 0) == 0 || line.rfind("NoNewPrivs", 0) == 0) caps += line + "\n";
  }
  // CAP_CHOWN 0, CAP_DAC_READ_SEARCH 2, CAP_FOWNER 3, CAP_SETFCAP 31.
  const std::string kept = "000000008000000d";
  for (const char* set : {"CapPrm", "CapEff", "CapBnd"}) {
    EXPECT_NE(caps.find(std::string(set) + ":\t" + kept), std::string::npos) << set << "\n" << caps;
  }
  EXPECT_NE(caps.find("CapInh:\t0000000000000000"), std::string::npos) << caps;
  EXPECT_NE(caps.find("CapAmb:\t0000000000000000"), std::string::npos) << caps;
  EXPECT_NE(caps.find("NoNewPrivs:\t1"), std::string::npos) << caps;
}

TEST_F(DaemonTest, EachCapabilityIsNeeded) {
  // Without CAP_FOWNER the set-user-ID bit of a root-owned file cannot be cleared; without
  // CAP_SETFCAP no capability can be written: both are needed, nothing else is.
  Policy("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
  for (const std::string caps : {"setfcap", "fowner"}) {
    Bin("ping", 04755);
    harness_->Start(Args(), "daemon", caps);
    varlink::Client c = harness_->Connect();
    Result<varlink::Reply> r = c.Call("io.capset.Files.Apply", json::object());
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->parameters["summary"]["errors"], 1) << caps << ": " << r->parameters.dump();
    harness_->Stop();
  }
  Bin("ping", 04755);
  harness_->Start(Args(), "daemon", "setfcap,fowner");
  varlink::Client c = harness_->Connect();
  Result<varlink::Reply> r = c.Call("io.capset.Files.Apply", json::object());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->parameters["summary"]["errors"], 0) << r->parameters.dump();
  EXPECT_EQ(r->parameters["summary"]["changed"], 1);
}

}  // namespace
}  // namespace capset::testing
