#include "peer.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace capset::capsetd {
namespace {

std::optional<unsigned long> Number(const std::string& s) {
  if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), ::isdigit)) {
    return std::nullopt;
  }
  return std::stoul(s);
}

}  // namespace

Result<Peer> PeerOf(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return Status(Code::kIoError, std::string("SO_PEERCRED: ") + std::strerror(errno), errno);
  }
  Peer peer{cred.pid, cred.uid, cred.gid, {}};
  std::vector<gid_t> groups(64);
  for (;;) {
    len = static_cast<socklen_t>(groups.size() * sizeof(gid_t));
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len) == 0) {
      groups.resize(len / sizeof(gid_t));
      break;
    }
    if (errno != ERANGE || groups.size() >= 65536) {
      return Status(Code::kIoError, std::string("SO_PEERGROUPS: ") + std::strerror(errno), errno);
    }
    groups.resize(std::max<size_t>(groups.size() * 2, len / sizeof(gid_t)));
  }
  peer.groups = std::move(groups);
  return peer;
}

IdLookup SystemIdLookup() {
  IdLookup ids;
  ids.user = [](const std::string& name) -> std::optional<uid_t> {
    if (auto n = Number(name)) return static_cast<uid_t>(*n);
    std::vector<char> buf(16384);
    passwd pw{}, *found = nullptr;
    while (getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) == ERANGE &&
           buf.size() < (1u << 20)) {
      buf.resize(buf.size() * 2);
    }
    if (!found) return std::nullopt;
    return found->pw_uid;
  };
  ids.group = [](const std::string& name) -> std::optional<gid_t> {
    if (auto n = Number(name)) return static_cast<gid_t>(*n);
    std::vector<char> buf(16384);
    group gr{}, *found = nullptr;
    while (getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) == ERANGE &&
           buf.size() < (1u << 24)) {
      buf.resize(buf.size() * 2);
    }
    if (!found) return std::nullopt;
    return found->gr_gid;
  };
  return ids;
}

Decision Authorize(const std::vector<CapsetdRule>& rules, const Peer& peer,
                   const std::string& action, const IdLookup& ids) {
  if (peer.uid == 0) return {true, "uid 0"};
  for (const auto& rule : rules) {
    if (std::find(rule.actions.begin(), rule.actions.end(), action) == rule.actions.end()) {
      continue;
    }
    // Every key the rule gives must match.
    bool match = true;
    if (rule.user) {
      const auto uid = ids.user(*rule.user);
      match = uid && *uid == peer.uid;
    }
    if (match && rule.group) {
      const auto gid = ids.group(*rule.group);
      match = gid && (*gid == peer.gid ||
                      std::find(peer.groups.begin(), peer.groups.end(), *gid) != peer.groups.end());
    }
    if (match) return {true, "rule at " + rule.where.ToString()};
  }
  return {false,
          "no capsetd: allow rule gives uid " + std::to_string(peer.uid) + " '" + action + "'"};
}

}  // namespace capset::capsetd
