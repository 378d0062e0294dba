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

Status WriteDropIn(const SafeDir& dir, const std::string& unit, const std::string& text) {
  SysOps& sys = RealSys();
  const std::string sub = unit + ".d";
  const std::string sub_path = (dir.path == "/" ? "" : dir.path) + "/" + sub;
  const std::string path = sub_path + "/" + kDropInName;
  if (Status st = sys.MkdirAt(dir.fd.get(), sub, 0755); !st.ok() && st.sys_errno() != EEXIST) {
    return FromErrno(st.sys_errno(), "create the directory", sub_path);
  }
  // Created just now or there before: opened without following a link, and checked.
  CAPSET_ASSIGN_OR_RETURN(SafeDir unit_dir,
                          OpenDirectoryBelow(sys, dir, "/" + sub, SafeOpenOptions{}));
  // 0644 whatever the umask: systemd and systemd-analyze read it as any user.
  return ReplaceFileAt(sys, unit_dir.fd.get(), kDropInName, text, 0644, /*durable=*/false, path);
}

}  // namespace capset
