// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what a cache compares instead of reading its files again: the status of a list of
// paths, taken before the cached thing was read (capsetd keeps its policy and its record so).
//
// SECURITY: every path is looked at with fstatat(AT_SYMLINK_NOFOLLOW) of its whole name, so a
// file written, renamed, chmod'ed or chown'ed, its ACL changed (ctime), a directory's entry
// added or removed (the directory's mtime), a symbolic link or a mount put in a path's place
// (another inode) all show. A directory above what was read counts only by what the trust
// rule judges in it (see Add): another entry of /run changing is no change. Timestamps are coarse
// (a clock tick): two changes within one tick leave the same status. So a watch that saw anything
// change less than kSettleSeconds before it was taken never holds: the cache reads again until
// everything has settled. Thread-safety: a value; no shared state.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "capset/sys_ops.h"

namespace capset {

/// How long after its last change a file or directory counts as settled.
inline constexpr int kSettleSeconds = 1;

/// Whether a status last changed (ctime) at `changed` had not settled at `now`: less than
/// kSettleSeconds before, or two seconds more for a time of whole seconds (see the .cc).
bool Unsettled(const timespec& changed, const timespec& now);

class StatWatch {
 public:
  /// Adds `path`: its status now (or why it has none, e.g. missing). `whole`: every field
  /// counts (a file read, a directory listed); otherwise it is an ancestor, and only what its
  /// trust and its identity rest on counts (dev, inode, type, mode, owner, group; the times
  /// only where the mode lets an ACL matter). Returns whether it is a directory, so that a
  /// caller adds what is in it only then.
  bool Add(SysOps& sys, const std::string& path, bool whole = true);
  /// Adds every directory from "/" down to `path` (absolute) as ancestors, and `path` as
  /// `whole` says; stops at the first that is missing or not a directory. Returns whether
  /// `path` is a directory. A relative path makes the watch never hold.
  bool AddWithAncestors(SysOps& sys, const std::string& path, bool whole = true);
  /// What was read depends on more than the paths (capctl as root judges the record by the
  /// capsetd user's uid from NSS): the watch never holds.
  void DependsOnMore() { settled_ = false; }

  /// Whether every path still has the status it had, and nothing had just changed when it was
  /// taken. A watch never taken (no path) does not hold.
  bool Holds(SysOps& sys) const;
  /// The same with every field of every path compared, times included: for the check right
  /// after the read, so that a change made and undone while it read (an ancestor chmod'ed and
  /// back, which its times alone show) is not kept.
  bool HoldsExactly(SysOps& sys) const;

  size_t size() const { return items_.size(); }

 private:
  struct Item {
    std::string path;
    int error = 0;  ///< the errno of fstatat, or 0
    dev_t dev = 0;
    ino_t ino = 0;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    nlink_t nlink = 0;
    off_t size = 0;
    timespec mtime{};
    timespec ctime{};
    bool whole = false;
    bool TimesCount() const;
    /// Whether `now`, the path's status taken again, says nothing changed.
    bool Compares(const Item& now, bool exactly = false) const;
  };
  static Item Take(SysOps& sys, const std::string& path);
  bool Matches(SysOps& sys, bool exactly) const;

  std::vector<Item> items_;
  bool settled_ = true;
};

}  // namespace capset
