// SPDX-License-Identifier: LGPL-2.1-or-later
#include "replace_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "capset/fd.h"

namespace capset {
namespace {

Status Failed(const Status& st, const std::string& verb, const std::string& path) {
  return FromErrno(st.sys_errno(), verb, path);
}

// 64 random bits in hex for a temporary name: getrandom(2), one system call (a
// std::random_device per file opened and probed the entropy source each time: 7% of the
// generator's run over 1,000 services). GRND_NONBLOCK: the generator runs at early boot,
// before the kernel's pool may be ready, and must never wait for it; the name need only be
// unique, which O_EXCL checks (a clash is an error, never a shared file).
std::string RandomSuffix() {
  uint64_t bits = 0;
  for (size_t got = 0; got < sizeof bits;) {
    const ssize_t n =
        ::getrandom(reinterpret_cast<char*>(&bits) + got, sizeof bits - got, GRND_NONBLOCK);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (errno != EINTR) {
      // The pool not ready yet (EAGAIN), or no getrandom (before Linux 3.17).
      static std::atomic<uint64_t> counter{0};
      timespec now{};
      ::clock_gettime(CLOCK_MONOTONIC, &now);
      bits ^= (static_cast<uint64_t>(::getpid()) << 40) ^ static_cast<uint64_t>(now.tv_nsec) ^
              (counter.fetch_add(1) << 20);
      break;
    }
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(bits));
  return text;
}

}  // namespace

std::string ReplaceTempPrefix(const std::string& name) { return "." + name + "."; }

Status ReplaceFileAt(SysOps& sys, int dirfd, const std::string& name, std::string_view text,
                     mode_t mode, bool durable, const std::string& shown) {
  const std::string temp = ReplaceTempPrefix(name) + RandomSuffix();
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
