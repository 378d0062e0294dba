// SPDX-License-Identifier: LGPL-2.1-or-later
#include "replace_file.h"

#include <fcntl.h>

#include <random>

#include "capset/fd.h"

namespace capset {
namespace {

Status Failed(const Status& st, const std::string& verb, const std::string& path) {
  return FromErrno(st.sys_errno(), verb, path);
}

}  // namespace

std::string ReplaceTempPrefix(const std::string& name) { return "." + name + "."; }

Status ReplaceFileAt(SysOps& sys, int dirfd, const std::string& name, std::string_view text,
                     mode_t mode, bool durable, const std::string& shown) {
  std::random_device random;
  const std::string temp =
      ReplaceTempPrefix(name) + std::to_string(random()) + std::to_string(random());
  Result<Fd> fd = sys.CreateAt(dirfd, temp, O_WRONLY | O_EXCL | O_NOFOLLOW, mode);
  if (!fd.ok()) return Failed(fd.status(), "create", shown + " (" + temp + ")");
  Status st = sys.WriteAll(fd->get(), text);
  if (!st.ok()) st = Failed(st, "write", shown);
  if (st.ok()) {
    if (Status c = sys.Chmod(fd->get(), mode); !c.ok()) st = Failed(c, "chmod", shown);
  }
  if (st.ok() && durable) {
    if (Status c = sys.Sync(fd->get()); !c.ok()) st = Failed(c, "sync", shown);
  }
  if (st.ok()) {
    if (Status c = sys.RenameAt(dirfd, temp, name); !c.ok()) st = Failed(c, "replace", shown);
  }
  if (!st.ok()) {
    (void)sys.UnlinkAt(dirfd, temp);
    return st;
  }
  if (durable) {
    // The rename itself must survive a crash: sync the directory (best effort).
    if (Result<Fd> dir = sys.OpenAt(dirfd, ".", O_RDONLY | O_DIRECTORY); dir.ok()) {
      (void)sys.Sync(dir->get());
    }
  }
  return Status::Ok();
}

}  // namespace capset
