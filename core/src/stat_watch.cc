// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/stat_watch.h"

#include <fcntl.h>

namespace capset {

bool Unsettled(const timespec& changed, const timespec& now) {
  // To the nanosecond: a file changed a millisecond before a second boundary is not a second
  // old after it. A time of whole seconds may come from a filesystem that keeps no more (ext3,
  // ext4 with 128-byte inodes; FAT keeps 2 s), whose next change can still get the same second
  // for a clock tick after it has passed: such a status settles two seconds later.
  const long long kNano = 1000000000LL;
  const long long age = (static_cast<long long>(now.tv_sec) - changed.tv_sec) * kNano +
                        (now.tv_nsec - changed.tv_nsec);
  const long long settle = changed.tv_nsec == 0 ? kSettleSeconds + 2 : kSettleSeconds;
  return age < settle * kNano;
}

bool StatWatch::Item::Compares(const Item& now, bool exactly) const {
  if (path != now.path || error != now.error || dev != now.dev || ino != now.ino ||
      mode != now.mode || uid != now.uid || gid != now.gid) {
    return false;
  }
  if (!exactly && !TimesCount()) return true;
  return nlink == now.nlink && size == now.size && mtime.tv_sec == now.mtime.tv_sec &&
         mtime.tv_nsec == now.mtime.tv_nsec && ctime.tv_sec == now.ctime.tv_sec &&
         ctime.tv_nsec == now.ctime.tv_nsec;
}

bool StatWatch::Item::TimesCount() const {
  // An ancestor is judged by its owner, group and mode, and by its ACL only where the mask
  // (the group bits) could let a user write (trust.h, AclCouldGrantWrite): a change to those
  // shows in the mode, or, for the ACL, only in the ctime. Its entries change its times too,
  // and /run's change all the time; which entry is the next one shows in that one's status.
  return whole || (error == 0 && (mode & S_IWGRP) != 0);
}

StatWatch::Item StatWatch::Take(SysOps& sys, const std::string& path) {
  Item item;
  item.path = path;
  Result<struct stat> st = sys.StatAt(AT_FDCWD, path);
  if (!st.ok()) {
    item.error = st.status().sys_errno() != 0 ? st.status().sys_errno() : -1;
    return item;
  }
  item.dev = st->st_dev;
  item.ino = st->st_ino;
  item.mode = st->st_mode;
  item.uid = st->st_uid;
  item.gid = st->st_gid;
  item.nlink = st->st_nlink;
  item.size = st->st_size;
  item.mtime = st->st_mtim;
  item.ctime = st->st_ctim;
  return item;
}

bool StatWatch::Add(SysOps& sys, const std::string& path, bool whole) {
  Item* item = nullptr;
  for (Item& seen : items_) {  // the ancestors several paths share, once
    if (seen.path == path) item = &seen;
  }
  if (item == nullptr) {
    items_.push_back(Take(sys, path));
    item = &items_.back();
  }
  item->whole = item->whole || whole;
  if (item->error != 0) return false;
  if (item->TimesCount() && Unsettled(item->ctime, sys.Now())) settled_ = false;
  return S_ISDIR(item->mode);
}

bool StatWatch::AddWithAncestors(SysOps& sys, const std::string& path, bool whole) {
  if (path.empty() || path[0] != '/') {  // its ancestors depend on the working directory
    settled_ = false;
    return false;
  }
  // "/", then each prefix that ends a component: "/run", "/run/capset", ...
  size_t last = path.size();
  while (last > 1 && path[last - 1] == '/') --last;  // the last component ends here
  bool dir = Add(sys, "/", whole && last == 1);
  for (size_t i = 1; dir && i <= last; ++i) {
    if (i != last && path[i] != '/') continue;
    if (path[i - 1] == '/') continue;  // "//"
    dir = Add(sys, path.substr(0, i), whole && i == last);
  }
  return dir;
}

bool StatWatch::Holds(SysOps& sys) const { return Matches(sys, /*exactly=*/false); }

bool StatWatch::HoldsExactly(SysOps& sys) const { return Matches(sys, /*exactly=*/true); }

bool StatWatch::Matches(SysOps& sys, bool exactly) const {
  if (!settled_ || items_.empty()) return false;
  for (const Item& item : items_) {
    if (!item.Compares(Take(sys, item.path), exactly)) return false;
  }
  return true;
}

}  // namespace capset
