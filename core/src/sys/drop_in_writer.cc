// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/drop_in_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "capset/fd.h"
#include "capset/unit_gen.h"
#include "sys/errno_status.h"

namespace capset {
namespace {

Status Failed(const std::string& verb, const std::string& path, int err = errno) {
  return FromErrno(err, "Failed to " + verb + " '" + path + "'");
}

Status WriteAll(int fd, const std::string& text, const std::string& path) {
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Failed("write", path);
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
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
  Result<SafeDir> unit_dir = OpenDirectoryBelow(RealSys(), dir, "/" + sub, SafeOpenOptions{});
  if (!unit_dir.ok()) return unit_dir.status();
  std::random_device random;
  const std::string temp = std::string(".") + kDropInName + "." + std::to_string(::getpid()) + "." +
                           std::to_string(random());
  Fd fd(::openat(unit_dir->fd.get(), temp.c_str(),
                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Failed("create", sub_path + "/" + temp);
  Status st = WriteAll(fd.get(), text, path);
  // 0644 whatever the umask: systemd and systemd-analyze read it as any user.
  if (st.ok() && ::fchmod(fd.get(), 0644) != 0) st = Failed("chmod", path);
  if (st.ok() &&
      ::renameat(unit_dir->fd.get(), temp.c_str(), unit_dir->fd.get(), kDropInName) != 0) {
    st = Failed("replace", path);
  }
  if (!st.ok()) ::unlinkat(unit_dir->fd.get(), temp.c_str(), 0);
  return st;
}

}  // namespace capset
