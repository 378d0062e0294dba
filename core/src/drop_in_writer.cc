// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/drop_in_writer.h"

#include <cerrno>

#include "capset/status.h"
#include "capset/sys_ops.h"
#include "capset/unit_gen.h"
#include "replace_file.h"

namespace capset {

Result<SafeDir> OpenDropInDirectory(const std::string& path) {
  return OpenDirectoryNoFollow(RealSys(), path, SafeOpenOptions{});
}

Status WriteFileInSubdirectory(const SafeDir& dir, const std::string& sub, const std::string& name,
                               const std::string& text, mode_t mode) {
  SysOps& sys = RealSys();
  const std::string sub_path = (dir.path == "/" ? "" : dir.path) + "/" + sub;
  const std::string path = sub_path + "/" + name;
  if (Status st = sys.MkdirAt(dir.fd.get(), sub, 0755); !st.ok() && st.sys_errno() != EEXIST) {
    return FromErrno(st.sys_errno(), "create the directory", sub_path);
  }
  // Created just now or there before: opened without following a link, and checked.
  CAPSET_ASSIGN_OR_RETURN(SafeDir sub_dir,
                          OpenDirectoryBelow(sys, dir, "/" + sub, SafeOpenOptions{}));
  return ReplaceFileAt(sys, sub_dir.fd.get(), name, text, mode, /*durable=*/false, path);
}

Status WriteDropIn(const SafeDir& dir, const std::string& unit, const std::string& text,
                   const std::string& file) {
  // 0644 whatever the umask: systemd and systemd-analyze read it as any user.
  return WriteFileInSubdirectory(dir, unit + ".d", file, text, 0644);
}

Status RemoveDropIn(const SafeDir& dir, const std::string& unit, const std::string& file) {
  SysOps& sys = RealSys();
  const std::string sub = unit + ".d";
  Result<SafeDir> unit_dir = OpenDirectoryBelow(sys, dir, "/" + sub, SafeOpenOptions{});
  if (!unit_dir.ok()) {
    return unit_dir.status().sys_errno() == ENOENT ? Status::Ok() : unit_dir.status();
  }
  if (Status st = sys.UnlinkAt(unit_dir->fd.get(), file); !st.ok() && st.sys_errno() != ENOENT) {
    return FromErrno(st.sys_errno(), "remove", unit_dir->path + "/" + file);
  }
  (void)sys.RemoveDirAt(dir.fd.get(), sub);  // only if empty: ENOTEMPTY is fine
  return Status::Ok();
}

}  // namespace capset
