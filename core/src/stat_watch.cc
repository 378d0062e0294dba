// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/stat_watch.h"

#include <fcntl.h>

namespace capset {

bool Unsettled(const struct stat& st, const timespec& now) {
  // To the nanosecond: a file changed a millisecond before a second boundary is not a second
  // old after it.
  const long long kNano = 1000000000LL;
  const long long age = (static_cast<long long>(now.tv_sec) - st.st_ctim.tv_sec) * kNano +
                        (now.tv_nsec - st.st_ctim.tv_nsec);
  return age < kSettleSeconds * kNano;
}

bool StatWatch::Item::operator==(const Item& o) const {
  return path == o.path && error == o.error && dev == o.dev && ino == o.ino && mode == o.mode &&
         uid == o.uid && gid == o.gid && nlink == o.nlink && size == o.size &&
         mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
         ctime.tv_sec == o.ctime.tv_sec && ctime.tv_nsec == o.ctime.tv_nsec;
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

bool StatWatch::Add(SysOps& sys, const std::string& path) {
  items_.push_back(Take(sys, path));
  const Item& item = items_.back();
  if (item.error != 0) return false;
  struct stat st {};
  st.st_ctim = item.ctime;
  if (Unsettled(st, sys.Now())) settled_ = false;
  return S_ISDIR(item.mode);
}

bool StatWatch::AddWithAncestors(SysOps& sys, const std::string& path) {
  // Each prefix that ends a component: "/", "/run", "/run/capset", ...
  if (!path.empty() && path[0] == '/' && !Add(sys, "/")) return false;
  bool dir = path == "/";
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    if (path[i - 1] == '/') continue;  // "//", or a trailing "/"
    dir = Add(sys, path.substr(0, i));
    if (!dir) return false;
  }
  return dir;
}

bool StatWatch::Holds(SysOps& sys) const {
  if (!settled_ || items_.empty()) return false;
  for (const Item& item : items_) {
    if (!(Take(sys, item.path) == item)) return false;
  }
  return true;
}

}  // namespace capset
