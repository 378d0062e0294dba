// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sys/dir_scan_ops.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>

#include "capset/vfs_cap.h"

#ifndef __NR_getxattrat
// The kernel's name; the same number on every architecture (asm-generic and x86).
// clang-format off
#define __NR_getxattrat 464  // NOLINT(bugprone-reserved-identifier)
// clang-format on
#endif

namespace capset::sys {
namespace {

struct XattrArgs {  // struct xattr_args (include/uapi/linux/xattr.h, Linux 6.13)
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

std::atomic<bool> have_getxattrat{true};

}  // namespace

int OpenDirectoryAt(int dirfd, const char* name) {
  const int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

int StatFd(int fd, struct stat* st) { return ::fstat(fd, st) == 0 ? 0 : -errno; }

int StatAtNoFollow(int dirfd, const char* name, struct stat* st) {
  return ::fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno;
}

int StatPathNoFollow(const char* path, struct stat* st) {
  return ::lstat(path, st) == 0 ? 0 : -errno;
}

void RaiseFileLimit() {
  struct rlimit rl {};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 1 << 16);
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

ssize_t GetDents(int dirfd, void* buf, size_t size) {
  const ssize_t n = ::getdents64(dirfd, buf, size);
  return n < 0 ? -errno : n;
}

ssize_t GetCapXattrPath(const char* path, void* buf, size_t size) {
  const ssize_t n = ::lgetxattr(path, kCapXattrName, buf, size);
  return n < 0 ? -errno : n;
}

ssize_t GetCapXattrAt(int dirfd, const char* name, void* buf, size_t size) {
  return GetXattrAt(dirfd, name, kCapXattrName, buf, size);
}

ssize_t GetXattrAt(int dirfd, const char* name, const char* attr, void* buf, size_t size) {
  if (!have_getxattrat.load(std::memory_order_relaxed)) return -ENOSYS;
  XattrArgs args{reinterpret_cast<uintptr_t>(buf), static_cast<uint32_t>(size), 0};
  const long n =
      ::syscall(__NR_getxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, attr, &args, sizeof args);
  if (n >= 0) return n;
  if (errno == ENOSYS) have_getxattrat.store(false, std::memory_order_relaxed);
  return -errno;
}

}  // namespace capset::sys
