// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sys/dir_scan_ops.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>

#include "capset/vfs_cap.h"

#ifndef __NR_getxattrat
#define __NR_getxattrat 464  // the same number on every architecture (asm-generic and x86)
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

ssize_t GetDents(int dirfd, void* buf, size_t size) {
  const ssize_t n = ::getdents64(dirfd, buf, size);
  return n < 0 ? -errno : n;
}

ssize_t GetCapXattrPath(const char* path, void* buf, size_t size) {
  const ssize_t n = ::lgetxattr(path, kCapXattrName, buf, size);
  return n < 0 ? -errno : n;
}

ssize_t GetCapXattrAt(int dirfd, const char* name, void* buf, size_t size) {
  if (!have_getxattrat.load(std::memory_order_relaxed)) return -ENOSYS;
  XattrArgs args{reinterpret_cast<uintptr_t>(buf), static_cast<uint32_t>(size), 0};
  const long n = ::syscall(__NR_getxattrat, dirfd, name, AT_SYMLINK_NOFOLLOW, kCapXattrName, &args,
                           sizeof args);
  if (n >= 0) return n;
  if (errno == ENOSYS) have_getxattrat.store(false, std::memory_order_relaxed);
  return -errno;
}

}  // namespace capset::sys
