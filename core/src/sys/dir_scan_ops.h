// SPDX-License-Identifier: LGPL-2.1-or-later
// The system calls of the scanner's hot path: read a directory in bulk, read one xattr of an
// entry relative to its directory. Nothing here allocates.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <cstddef>

namespace capset::sys {

/// getdents64(2): fills `buf` with struct linux_dirent64 records. Returns bytes, 0 at the end,
/// or -errno.
ssize_t GetDents(int dirfd, void* buf, size_t size);

/// The record layout getdents64 fills in (glibc's struct dirent64 is that layout).
using Dirent64 = struct ::dirent64;

/// Reads security.capability of `name` in `dirfd` without following a symlink (getxattrat(2),
/// Linux 6.13). Returns the size, or -errno (-ENODATA when there is none; -ENOSYS on older
/// kernels, where the caller falls back to GetCapXattrPath).
ssize_t GetCapXattrAt(int dirfd, const char* name, void* buf, size_t size);

/// lgetxattr(security.capability) by path: size or -errno.
ssize_t GetCapXattrPath(const char* path, void* buf, size_t size);

}  // namespace capset::sys
