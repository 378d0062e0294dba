// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what a cache compares instead of reading its files again: the status of a list of
// paths, taken before the cached thing was read (capsetd keeps its policy and its record so).
//
// SECURITY: every path is looked at with fstatat(AT_SYMLINK_NOFOLLOW) of its whole name, so a
// file written, renamed, chmod'ed or chown'ed, its ACL changed (ctime), a directory's entry
// added or removed (the directory's mtime), a symbolic link or a mount put in a path's place
// (another inode) all show. Timestamps are coarse (a clock tick): two changes within one tick
// leave the same status. So a watch that saw anything change less than kSettleSeconds before
// it was taken never holds: the cache reads again until everything has settled.
// Thread-safety: a value; no shared state.
#pragma once

#include <sys/stat.h>

#include <string>
#include <vector>

#include "capset/sys_ops.h"

namespace capset {

/// How long after its last change a file or directory counts as settled.
inline constexpr int kSettleSeconds = 1;

/// Whether `st` changed (ctime) less than kSettleSeconds before `now`.
bool Unsettled(const struct stat& st, const timespec& now);

class StatWatch {
 public:
  /// Adds `path`: its status now (or why it has none, e.g. missing). Returns whether it is a
  /// directory, so that a caller adds what is in it only then.
  bool Add(SysOps& sys, const std::string& path);
  /// Adds every directory from "/" down to `path`, and `path`; stops at the first that is
  /// missing or not a directory. Returns whether `path` is a directory.
  bool AddWithAncestors(SysOps& sys, const std::string& path);

  /// Whether every path still has the status it had, and nothing had just changed when it was
  /// taken. A watch never taken (no path) does not hold.
  bool Holds(SysOps& sys) const;

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
    bool operator==(const Item& o) const;
  };
  static Item Take(SysOps& sys, const std::string& path);

  std::vector<Item> items_;
  bool settled_ = true;
};

}  // namespace capset
