// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/status.h"
#include "capset/drop_in_writer.h"

#include <sys/stat.h>

#include <cerrno>

#include "capset/unit_gen.h"
#include "sys/replace_file.h"

namespace capset {
namespace {

Status Failed(const std::string& verb, const std::string& path, int err = errno) {
  return FromErrno(err, verb, path);
}

}  // namespace

Result<SafeDir> OpenDropInDirectory(const std::string& path) {
  return OpenDirectoryNoFollow(RealSys(), path, SafeOpenOptions{});
}

Status WriteDropIn(const SafeDir& dir, const std::string& unit, const std::string& text) {
  const std::string sub = unit + ".d";
  const std::string sub_path = (dir.path == "/" ? "" : dir.path) + "/" + sub;
  const std::string path = sub_path + "/" + kDropInName;
  if (::mkdirat(dir.fd.get(), sub.c_str(), 0755) != 0 && errno != EEXIST) {
    return Failed("create the directory", sub_path);
  }
  // Created just now or there before: opened without following a link, and checked.
  CAPSET_ASSIGN_OR_RETURN(SafeDir unit_dir, OpenDirectoryBelow(RealSys(), dir, "/" + sub, SafeOpenOptions{}));
  // 0644 whatever the umask: systemd and systemd-analyze read it as any user.
  return sys::ReplaceFileAt(unit_dir.fd.get(), kDropInName, text, 0644, /*durable=*/false, path);
}

}  // namespace capset
