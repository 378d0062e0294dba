// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sys/replace_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "capset/status.h"
#include "capset/fd.h"

namespace capset::sys {
namespace {

Status Failed(const std::string& verb, const std::string& path, int err = errno) {
  return FromErrno(err, verb, path);
}

}  // namespace

Status ReplaceFileAt(int dirfd, const std::string& name, std::string_view text, mode_t mode,
                     bool durable, const std::string& shown) {
  std::random_device random;
  const std::string temp =
      "." + name + "." + std::to_string(::getpid()) + "." + std::to_string(random());
  Fd fd(::openat(dirfd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 mode));
  if (!fd.valid()) return Failed("create", shown + " (" + temp + ")");
  Status st;
  for (size_t done = 0; done < text.size() && st.ok();) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      st = Failed("write", shown);
    } else {
      done += static_cast<size_t>(n);
    }
  }
  if (st.ok() && ::fchmod(fd.get(), mode) != 0) st = Failed("chmod", shown);
  if (st.ok() && durable && ::fsync(fd.get()) != 0) st = Failed("sync", shown);
  if (st.ok() && ::renameat(dirfd, temp.c_str(), dirfd, name.c_str()) != 0) {
    st = Failed("replace", shown);
  }
  if (!st.ok()) {
    ::unlinkat(dirfd, temp.c_str(), 0);
    return st;
  }
  if (durable) {
    const Fd dir(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.valid()) ::fsync(dir.get());
  }
  return Status::Ok();
}

}  // namespace capset::sys
