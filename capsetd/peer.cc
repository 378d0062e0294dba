// SPDX-License-Identifier: LGPL-2.1-or-later
#include "peer.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "capset/file_policy.h"

namespace capset::capsetd {

Result<Peer> PeerOf(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return FromErrno(errno, "read the peer's credentials (SO_PEERCRED)");
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
      return FromErrno(errno, "read the peer's groups (SO_PEERGROUPS)");
    }
    groups.resize(std::max<size_t>(groups.size() * 2, len / sizeof(gid_t)));
  }
  peer.groups = std::move(groups);
  return peer;
}

IdLookup SystemIdLookup() {
  // The callers are this system's users: NSS, as for the policy's owner: and group: fields.
  auto resolver = std::make_shared<const IdResolver>(RealSys(), "/");
  IdLookup ids;
  ids.user = [resolver](const std::string& name) -> std::optional<uid_t> {
    Result<uid_t> uid = resolver->User(name);
    return uid.ok() ? std::optional<uid_t>(*uid) : std::nullopt;
  };
  ids.group = [resolver](const std::string& name) -> std::optional<gid_t> {
    Result<gid_t> gid = resolver->Group(name);
    return gid.ok() ? std::optional<gid_t>(*gid) : std::nullopt;
  };
  return ids;
}

Decision Authorize(const std::vector<CapsetdRule>& rules, const Peer& peer,
                   const std::string& action, const IdLookup& ids) {
  // SECURITY: the caller's identity is the kernel's (SO_PEERCRED and SO_PEERGROUPS, read when
  // the connection was accepted), never a field of the message. Only a rule naming `action`
  // counts; every key it gives (user, group) must match; a name that does not resolve matches
  // nobody. No rule, no action: the default is refusal. Root may do anything it could do
  // itself without capsetd.
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
