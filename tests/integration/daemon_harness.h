// SPDX-License-Identifier: LGPL-2.1-or-later
// The real capsetd, started the way systemd starts a socket-activated service: the test
// binds and listens on the socket, and each start of the daemon gets it as fd 3 with
// LISTEN_FDS=1 and LISTEN_PID. The socket outlives the daemon, as systemd's does, so a
// killed daemon can be started again and clients queued meanwhile are served.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capset/fd.h"
#include "capset/ipc/varlink_client.h"

namespace capset::testing {

class DaemonHarness {
 public:
  /// Listens on `socket_path` (mode 0666).
  explicit DaemonHarness(std::string socket_path);
  ~DaemonHarness();

  /// Starts capsetd with `args`; as `user` with only `caps` (setpriv, ambient) unless user
  /// is "root". Its stderr goes to log().
  void Start(const std::vector<std::string>& args, const std::string& user = "daemon",
             const std::string& caps = "setfcap,fowner");
  /// Sends `sig` and waits; returns the exit status (128+signal when killed).
  int Stop(int sig = SIGTERM);
  /// Waits for the daemon to exit on its own (idle); -1 if it is still running after ms.
  int WaitExit(int timeout_ms);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& socket_path() const { return socket_path_; }
  std::string log() const;

  /// A connected client.
  varlink::Client Connect() const;

 private:
  std::string socket_path_;
  std::string log_path_;
  Fd listen_;
  pid_t pid_ = -1;
};

/// Runs `fn` in a child process with these credentials (groups: supplementary); returns its
/// exit status. For callers that the daemon must see as another user. Fork only from a
/// single-threaded process: a child forked beside other threads can deadlock in the
/// allocator (seen under AddressSanitizer).
int RunAs(uid_t uid, gid_t gid, const std::vector<gid_t>& groups, const std::function<int()>& fn);

/// The same, without waiting: returns the child's pid, for WaitChild.
pid_t SpawnAs(uid_t uid, gid_t gid, const std::vector<gid_t>& groups,
              const std::function<int()>& fn);
/// Waits for a child of SpawnAs; returns its exit status (128+signal when killed).
int WaitChild(pid_t pid);

/// Ids of a user and a group from NSS (the test fails when missing).
uid_t UidOf(const std::string& user);
gid_t GidOf(const std::string& group);

}  // namespace capset::testing
