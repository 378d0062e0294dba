// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — who is on the other end of a connection, as the kernel says (SO_PEERCRED,
// SO_PEERGROUPS), and whether the policy's capsetd: section lets them ask for an action.
// Thread-safety: functions of their arguments (name lookups go through NSS).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capset/policy.h"
#include "capset/status.h"

namespace capset::capsetd {

struct Peer {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< supplementary groups, at connect time
};

/// The credentials the peer of connected socket `fd` had when it connected.
Result<Peer> PeerOf(int fd);

/// Name (or number) to id; nullopt when there is no such user or group.
struct IdLookup {
  std::function<std::optional<uid_t>(const std::string&)> user;
  std::function<std::optional<gid_t>(const std::string&)> group;
};

/// NSS lookups (getpwnam_r, getgrnam_r); a decimal number is taken as the id itself.
IdLookup SystemIdLookup();

struct Decision {
  bool allowed = false;
  std::string reason;  ///< "uid 0", "rule at FILE:LINE:COL", or why not
};

/// Root may do anything (it could without the daemon); anyone else needs a rule with
/// `action` whose `user` is theirs and whose `group` is their primary or a supplementary
/// group (a rule giving both needs both).
Decision Authorize(const std::vector<CapsetdRule>& rules, const Peer& peer,
                   const std::string& action, const IdLookup& ids);

}  // namespace capset::capsetd
