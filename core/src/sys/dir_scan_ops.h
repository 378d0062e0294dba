// SPDX-License-Identifier: LGPL-2.1-or-later
// The system calls of the scanner's walk (capctl get -r): open a directory below its parent,
// read it in bulk, stat an entry the directory type does not say, read one xattr of an entry
// relative to its directory. Free functions, not SysOps: this is the hot path (one call per
// file, 165,000 files under /usr), and nothing here allocates or dispatches.
#pragma once

#include <dirent.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>

namespace capset::sys {

/// openat(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC): a descriptor, or -errno.
int OpenDirectoryAt(int dirfd, const char* name);
/// fstat(2) / fstatat(AT_SYMLINK_NOFOLLOW) / lstat(2): 0, or -errno.
int StatFd(int fd, struct stat* st);
int StatAtNoFollow(int dirfd, const char* name, struct stat* st);
int StatPathNoFollow(const char* path, struct stat* st);
/// Raises RLIMIT_NOFILE's soft limit towards its hard limit (at most 65,536): a deep tree
/// keeps many directories open while their children are read.
void RaiseFileLimit();

/// getdents64(2): fills `buf` with struct linux_dirent64 records. Returns bytes, 0 at the end,
/// or -errno.
ssize_t GetDents(int dirfd, void* buf, size_t size);

/// The record layout getdents64 fills in (glibc's struct dirent64 is that layout).
using Dirent64 = struct ::dirent64;

/// Reads security.capability of `name` in `dirfd` without following a symlink (getxattrat(2),
/// Linux 6.13). Returns the size, or -errno (-ENODATA when there is none; -ENOSYS on older
/// kernels, where the caller falls back to GetCapXattrPath).
ssize_t GetCapXattrAt(int dirfd, const char* name, void* buf, size_t size);

/// The same for any attribute `attr` (system.posix_acl_access).
ssize_t GetXattrAt(int dirfd, const char* name, const char* attr, void* buf, size_t size);

/// lgetxattr(security.capability) by path: size or -errno.
ssize_t GetCapXattrPath(const char* path, void* buf, size_t size);

}  // namespace capset::sys
