// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the policy, read once and kept until a policy directory or file changes.
//
// SECURITY: capsetd authorizes every call from the caller's credentials against its
// capsetd: section *before* doing anything on the caller's behalf; re-reading and parsing
// every policy file for each call let a user allowed nothing spend capsetd's time (1,000
// oneway calls once cost 24 s of CPU). The status of the tree's directories and files
// (PolicyTreeWatch, stat_watch.h) is compared instead, one fstatat(2) per path; any change —
// a file written, renamed, chmod'ed, its ACL changed, a directory replaced, an ancestor of the
// root made writable — reloads it, and so does anything that had not settled when it was
// read.
// Thread-safety: one object, one thread (the event loop).
#pragma once

#include <string>

#include "capset/policy_loader.h"
#include "capset/sys_ops.h"
#include "watched_read.h"

namespace capset::capsetd {

/// The policy under `root` (LoadPolicyTree), loaded again only when the tree changed
/// (PolicyTreeWatch) or while a file of it has not settled.
class PolicyCache : public WatchedRead<LoadedPolicy> {
 public:
  explicit PolicyCache(const std::string& root, SysOps& sys = RealSys());
};

}  // namespace capset::capsetd
