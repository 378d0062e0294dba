// SPDX-License-Identifier: LGPL-2.1-or-later
#include "daemon_harness.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "gtest/gtest.h"

#ifndef CAPSET_TEST_CAPSETD
#error "CAPSET_TEST_CAPSETD must name the capsetd binary"
#endif

namespace capset::testing {

DaemonHarness::DaemonHarness(std::string socket_path)
    : socket_path_(std::move(socket_path)), log_path_(socket_path_ + ".log") {
  ::unlink(socket_path_.c_str());
  listen_ = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_.get(), 128) != 0) {
    throw std::runtime_error("cannot listen on " + socket_path_ + ": " + std::strerror(errno));
  }
  ::chmod(socket_path_.c_str(), 0666);
}

DaemonHarness::~DaemonHarness() {
  if (pid_ > 0) Stop(SIGKILL);
  ::unlink(socket_path_.c_str());
  ::unlink(log_path_.c_str());
}

void DaemonHarness::Start(const std::vector<std::string>& args, const std::string& user,
                          const std::string& caps) {
  std::vector<std::string> argv;
  if (user != "root") {
    // What capsetd.service does: User=, AmbientCapabilities=, CapabilityBoundingSet=.
    std::string ambient, bounding = "-all";
    for (size_t start = 0; start < caps.size();) {
      size_t end = caps.find(',', start);
      if (end == std::string::npos) end = caps.size();
      const std::string cap = caps.substr(start, end - start);
      ambient += (ambient.empty() ? "+" : ",+") + cap;
      bounding += ",+" + cap;
      start = end + 1;
    }
    argv = {"/usr/bin/setpriv",
            "--reuid=" + user,
            "--regid=" + user,
            "--clear-groups",
            "--inh-caps=" + (ambient.empty() ? std::string("-all") : ambient),
            "--bounding-set=" + bounding};
    if (!ambient.empty()) argv.push_back("--ambient-caps=" + ambient);
    argv.push_back("--no-new-privs");
  }
  argv.push_back(CAPSET_TEST_CAPSETD);
  argv.insert(argv.end(), args.begin(), args.end());

  const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (listen_.get() == 3) {
      ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep FD_CLOEXEC
    } else {
      ::dup2(listen_.get(), 3);  // the copy has no FD_CLOEXEC
    }
    ::dup2(log, 2);
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    ::unsetenv("LISTEN_FDNAMES");
    ::unsetenv("NOTIFY_SOCKET");
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    _exit(127);
  }
  ::close(log);
  pid_ = pid;
}

int DaemonHarness::Stop(int sig) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, sig);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int DaemonHarness::WaitExit(int timeout_ms) {
  for (int waited = 0; pid_ > 0 && waited <= timeout_ms; waited += 10) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    ::usleep(10000);
  }
  return -1;
}

std::string DaemonHarness::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

varlink::Client DaemonHarness::Connect() const {
  Result<varlink::Client> c = varlink::Client::Connect(socket_path_);
  if (!c.ok()) throw std::runtime_error(c.status().message());
  return std::move(*c);
}

pid_t SpawnAs(uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
              const std::function<int()>& fn) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(groups.size(), groups.data()) != 0 || ::setresgid(gid, gid, gid) != 0 ||
        ::setresuid(uid, uid, uid) != 0) {
      _exit(126);
    }
    _exit(fn());
  }
  return pid;
}

int WaitChild(pid_t pid) {
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int RunAs(uid_t uid, gid_t gid, const std::vector<gid_t>& groups, const std::function<int()>& fn) {
  return WaitChild(SpawnAs(uid, gid, groups, fn));
}

uid_t UidOf(const std::string& user) {
  const passwd* pw = ::getpwnam(user.c_str());
  if (!pw) throw std::runtime_error("no user " + user);
  return pw->pw_uid;
}

gid_t GidOf(const std::string& group) {
  const struct group* gr = ::getgrnam(group.c_str());
  if (!gr) throw std::runtime_error("no group " + group);
  return gr->gr_gid;
}

}  // namespace capset::testing
