// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the least-privileged broker for the policy's files: section (capsetd(8)).
//
// Started by systemd through capsetd.socket (or anything that passes a listening Unix
// stream socket the same way: LISTEN_FDS, LISTEN_PID), as the user capsetd with
// CAP_SETFCAP, CAP_FOWNER, CAP_CHOWN and CAP_DAC_READ_SEARCH. It keeps no other capability
// even if started with more, answers Varlink calls until idle, and exits.
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "capset/config.h"
#include "capset/ipc/change_journal.h"
#include "capset/process.h"
#include "capset/safe_path.h"
#include "files_service.h"
#include "log.h"
#include "server.h"

namespace capset::capsetd {
namespace {

constexpr const char kUsage[] =
    "Usage: capsetd [OPTIONS]\n"
    "\n"
    "Applies and verifies the files: section of capset's policy for the callers its\n"
    "capsetd: section allows, over Varlink (interfaces io.capset.Files, org.varlink.service)\n"
    "on the socket systemd passes (capsetd.socket, /run/capset/io.capset.Files).\n"
    "\n"
    "  --root DIR                  serve the policy and files of the image at DIR (default /)\n"
    "  --idle-timeout SEC          exit after SEC seconds without connections (default 30;\n"
    "                              0: never)\n"
    "  --request-timeout SEC       close a connection whose message or reply is not\n"
    "                              complete within SEC seconds (default 10)\n"
    "  --connection-timeout SEC    close a connection idle for SEC seconds (default 60)\n"
    "  --max-connections N         connections at once of callers other than root (default\n"
    "                              64; root has 8 more of its own)\n"
    "  --max-connections-per-user N  per uid other than 0 (default 8)\n"
    "  --max-unauthorized-connections N  of callers the policy allows no action, in all\n"
    "                              (default 8)\n"
    "  --workers N                 threads that answer calls, 1 to 8 (default 2)\n"
    "  -h, --help                  show this help\n"
    "  --version                   show the version\n"
    "\n"
    "Exit status: 0 idle or stopped; 1 cannot run (no socket passed, event loop failure);\n"
    "2 usage error.\n";

// The capabilities capsetd uses, and why (SECURITY.md):
//   CAP_SETFCAP          write security.capability
//   CAP_FOWNER           chmod files it does not own (clear or, as a fallback, set S_ISUID;
//                        an entry's mode)
//   CAP_CHOWN            an entry's owner and group
//   CAP_DAC_READ_SEARCH  walk to and open files and directories its user could not read
constexpr CapMask kNeeded =
    CapBit(CAP_SETFCAP) | CapBit(CAP_FOWNER) | CapBit(CAP_CHOWN) | CapBit(CAP_DAC_READ_SEARCH);

bool Seconds(const char* arg, uint64_t& usec) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(arg, &end, 10);
  if (errno || end == arg || *end || v > 86400) return false;
  usec = uint64_t{v} * 1000000;
  return true;
}

bool Count(const char* arg, size_t& n) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(arg, &end, 10);
  if (errno || end == arg || *end || v == 0 || v > 4096) return false;
  n = v;
  return true;
}

int Main(int argc, char** argv) {
  // SECURITY: capsetd keeps only what it needs before it reads a single option or touches
  // the socket (bubblewrap's order): permitted = effective = kNeeded & what it was given,
  // nothing inheritable or ambient, no_new_privs, and the bounding set narrowed where it holds
  // CAP_SETPCAP. A parsing bug can then reach no more than the daemon's own four
  // capabilities. Only ever lowers, so running it unprivileged (--help) is fine.
  Result<CapState> limited = LimitProcessCaps(kNeeded);
  if (!limited.ok()) {
    Log(LOG_ERR, limited.status().message());
    return 1;
  }

  enum {
    kRoot = 256,
    kIdle,
    kRequest,
    kConnTimeout,
    kMaxConn,
    kMaxPerUser,
    kMaxUnauth,
    kWorkers,
    kVersion
  };
  static const option kLong[] = {
      {"root", required_argument, nullptr, kRoot},
      {"idle-timeout", required_argument, nullptr, kIdle},
      {"request-timeout", required_argument, nullptr, kRequest},
      {"connection-timeout", required_argument, nullptr, kConnTimeout},
      {"max-connections", required_argument, nullptr, kMaxConn},
      {"max-connections-per-user", required_argument, nullptr, kMaxPerUser},
      {"max-unauthorized-connections", required_argument, nullptr, kMaxUnauth},
      {"workers", required_argument, nullptr, kWorkers},
      {"help", no_argument, nullptr, 'h'},
      {"version", no_argument, nullptr, kVersion},
      {nullptr, 0, nullptr, 0}};
  ServiceOptions service_options;
  ServerOptions server_options;
  for (int c; (c = getopt_long(argc, argv, "h", kLong, nullptr)) != -1;) {
    bool ok = true;
    switch (c) {
      case kRoot:
        service_options.root = optarg;
        ok = optarg[0] == '/';
        break;
      case kIdle:
        ok = Seconds(optarg, server_options.idle_exit_usec);
        break;
      case kRequest:
        ok = Seconds(optarg, server_options.request_timeout_usec) &&
             server_options.request_timeout_usec > 0;
        break;
      case kConnTimeout:
        ok = Seconds(optarg, server_options.connection_idle_usec) &&
             server_options.connection_idle_usec > 0;
        break;
      case kMaxConn:
        ok = Count(optarg, server_options.max_connections);
        break;
      case kMaxPerUser:
        ok = Count(optarg, server_options.max_per_user);
        break;
      case kMaxUnauth:
        ok = Count(optarg, server_options.max_unauthorized);
        break;
      case kWorkers:
        ok = Count(optarg, server_options.workers) && server_options.workers <= 8;
        break;
      case 'h':
        std::fputs(kUsage, stdout);
        return 0;
      case kVersion:
        std::printf("capsetd %s\n", CAPSET_VERSION);
        return 0;
      default:
        std::fputs(kUsage, stderr);
        return 2;
    }
    if (!ok) {
      Log(LOG_ERR, std::string("invalid value '") + optarg + "' for --" + kLong[c - kRoot].name);
      return 2;
    }
  }
  if (optind < argc) {
    Log(LOG_ERR, std::string("unexpected argument '") + argv[optind] + "'");
    std::fputs(kUsage, stderr);
    return 2;
  }

  // A root that does not exist would serve an empty policy forever: say so at once.
  if (Result<SafeDir> root = OpenRoot(RealSys(), service_options.root, {}); !root.ok()) {
    Log(LOG_ERR, "--root: " + root.status().message());
    return 2;
  }

  const int n = sd_listen_fds(1);
  if (n != 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, nullptr, 0) <= 0) {
    Log(LOG_ERR, "expected one listening Unix stream socket from systemd (got " +
                     std::to_string(n < 0 ? 0 : n) +
                     " file descriptors); start capsetd through capsetd.socket, or with "
                     "systemd-socket-activate -l PATH capsetd");
    return 1;
  }
  const int listen_fd = SD_LISTEN_FDS_START;
  fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
  fcntl(listen_fd, F_SETFD, FD_CLOEXEC);

  const std::string caps = limited->ToText();
  if (geteuid() == 0) {
    Log(LOG_WARNING, "running as root; capsetd.service runs it as the user capsetd");
  }
  journal::Record(journal::kDaemonStartedId, LOG_INFO,
                  "capsetd: started as uid " + std::to_string(geteuid()) + " with " + caps);

  FilesService service(service_options);
  Server server(listen_fd, server_options, service);
  const Status st = server.Run();
  if (!st.ok()) {
    Log(LOG_ERR, st.message());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace capset::capsetd

// main() is a C boundary too: no exception leaves it (one guard, as every callback has).
int main(int argc, char** argv) {
  try {
    return capset::capsetd::Main(argc, argv);
  } catch (const std::exception& e) {
    capset::capsetd::Log(LOG_ERR, std::string("internal error: ") + e.what());
  } catch (...) {
    capset::capsetd::Log(LOG_ERR, "internal error");
  }
  return 1;
}
