// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — SysOps: the seam at the operating-system boundary (ninja's DiskInterface,
// LevelDB's Env).
//
// Everything in the core that opens a file capset takes authority from (policy files,
// capability.conf, templates, the record) or writes privilege to, creates or replaces a file
// or directory, takes a lock, asks for the time, or looks up a user or group goes through this
// interface, so the safety logic (the contained, symlink-free walk; the trust rule with its
// ACLs; the consistent read; the record's lock and atomic replacement) is unit-tested against
// tests/unit/fakes/fake_sys_ops.h without root, and with failures injected at every step
// (tests/unit/fakes/fault_injection_sys_ops.h). RealSys() is the only implementation that
// makes system calls; it lives in core/src/sys/.
//
// Errors are Statuses whose message is the bare reason (strerror text) and whose sys_errno is
// set; callers add the path ("Failed to open '/x': <reason>").
// Thread-safety: RealSys() is stateless and may be used from any thread.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "capset/fd.h"
#include "capset/status.h"
#include "capset/vfs_cap.h"

namespace capset {

/// A raw security.capability value as read from a file (at most kVfsCapMaxSize bytes).
struct RawCapXattr {
  std::array<uint8_t, kVfsCapMaxSize> data{};
  size_t size = 0;
  std::span<const uint8_t> span() const { return {data.data(), size}; }
};

/// One entry of a directory, as getdents64(2) gives it.
struct DirEntry {
  std::string name;
  unsigned char type = 0;  ///< DT_REG, DT_DIR, DT_LNK, ...; DT_UNKNOWN where the fs says none
};

/// A user's entry in the user database (getpwnam_r(3)).
struct UserEntry {
  uid_t uid = 0;
  gid_t gid = 0;  ///< the primary group
};

class SysOps {
 public:
  virtual ~SysOps() = default;

  /// openat(2); O_CLOEXEC is always added.
  virtual Result<Fd> OpenAt(int dirfd, const std::string& name, int flags) = 0;
  /// openat2(2) of `name` below `dirfd` with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
  /// RESOLVE_NO_MAGICLINKS: the kernel refuses ("..", absolute names, any symbolic link) what
  /// would leave `dirfd`. A trailing symbolic link is opened itself with O_PATH | O_NOFOLLOW.
  /// O_CLOEXEC is always added. kNotSupported on kernels before Linux 5.6.
  virtual Result<Fd> OpenBeneath(int dirfd, const std::string& name, int flags) = 0;
  /// Re-opens an O_PATH descriptor as a real one (through /proc/self/fd), without a path walk.
  virtual Result<Fd> Reopen(int opath_fd, int flags) = 0;
  /// fstat(2).
  virtual Result<struct stat> Stat(int fd) = 0;
  /// fstatat(2) with AT_SYMLINK_NOFOLLOW.
  virtual Result<struct stat> StatAt(int dirfd, const std::string& name) = 0;
  /// fgetxattr(security.capability); nullopt when the file has none (ENODATA).
  virtual Result<std::optional<RawCapXattr>> GetCapXattr(int fd) = 0;
  /// fsetxattr(security.capability).
  virtual Status SetCapXattr(int fd, std::span<const uint8_t> value) = 0;
  /// fremovexattr(security.capability).
  virtual Status RemoveCapXattr(int fd) = 0;
  /// The raw system.posix_acl_access value of `fd` (O_PATH descriptors too); nullopt when the
  /// file has none or its filesystem has no ACLs.
  virtual Result<std::optional<std::string>> GetAclXattr(int fd) = 0;
  /// The same two reads of `name` in `dirfd` without opening it and without following a
  /// symbolic link (getxattrat(2), Linux 6.13): for a caller that holds a trusted directory
  /// and only needs to know whether a file is already as it should be. kNotSupported where the
  /// kernel has no getxattrat, and by default (the caller then opens the file).
  virtual Result<std::optional<RawCapXattr>> GetCapXattrAt(int /*dirfd*/,
                                                           const std::string& /*name*/) {
    return Status(Code::kNotSupported, "no getxattrat(2)");
  }
  virtual Result<std::optional<std::string>> GetAclXattrAt(int /*dirfd*/,
                                                           const std::string& /*name*/) {
    return Status(Code::kNotSupported, "no getxattrat(2)");
  }
  /// Whether this process may open `name` in `dirfd` for reading (faccessat(2) with R_OK,
  /// AT_EACCESS, AT_SYMLINK_NOFOLLOW: its effective ids and capabilities). kNotSupported by
  /// default.
  virtual Result<bool> CanReadAt(int /*dirfd*/, const std::string& /*name*/) {
    return Status(Code::kNotSupported, "no faccessat(2)");
  }
  /// The whole content of the regular file `fd` from offset 0, at most `max` + 1 bytes (so
  /// that a caller sees that the file is longer than `max`). A read that returns fewer bytes
  /// than asked once `max` bytes are in is taken as the end (no further read to see 0): a
  /// caller passes the size fstat gave as `max`, and compares the length with an fstat taken
  /// afterwards, as trusted_file.h does, to know the content is whole.
  virtual Result<std::string> ReadContent(int fd, size_t max) = 0;
  /// The same content handed to `piece` as it is read, through a fixed buffer (nothing the
  /// size of the file is allocated); returns how many bytes were read.
  virtual Result<size_t> ReadContentPieces(int fd, size_t max,
                                           const std::function<void(std::string_view)>& piece) {
    CAPSET_ASSIGN_OR_RETURN(std::string all, ReadContent(fd, max));
    if (!all.empty()) piece(all);
    return all.size();
  }
  /// The entries of the directory `fd` (O_PATH is fine), without "." and "..", in the order
  /// the kernel gives them.
  virtual Result<std::vector<DirEntry>> ReadDirectory(int fd) = 0;
  /// readlinkat(2) of `name` in `dirfd`.
  virtual Result<std::string> ReadLinkAt(int dirfd, const std::string& name) = 0;
  /// The inode's FS_IOC_GETFLAGS flags (FS_IMMUTABLE_FL, FS_APPEND_FL, ...); 0 where the
  /// filesystem has none.
  virtual Result<unsigned> InodeFlags(int fd) = 0;
  /// fchown(2). The kernel clears security.capability and the set-user-ID bit on a chown.
  virtual Status Chown(int fd, uid_t uid, gid_t gid) = 0;
  /// fchmod(2), permission bits (07777).
  virtual Status Chmod(int fd, mode_t mode) = 0;
  /// openat(2) with O_CREAT (and whatever else `flags` says: O_EXCL, O_NOFOLLOW, ...) and the
  /// permission bits `mode` (less the umask); O_CLOEXEC is always added.
  virtual Result<Fd> CreateAt(int dirfd, const std::string& name, int flags, mode_t mode) = 0;
  /// mkdirat(2); EEXIST is an error like any other (sys_errno tells).
  virtual Status MkdirAt(int dirfd, const std::string& name, mode_t mode) = 0;
  /// renameat(2) within one directory: `to` is replaced atomically.
  virtual Status RenameAt(int dirfd, const std::string& from, const std::string& to) = 0;
  /// unlinkat(2) of a file.
  virtual Status UnlinkAt(int dirfd, const std::string& name) = 0;
  /// unlinkat(2) of an empty directory (AT_REMOVEDIR).
  virtual Status RemoveDirAt(int dirfd, const std::string& name) = 0;
  /// write(2) until all of `data` is written (EINTR retried).
  virtual Status WriteAll(int fd, std::string_view data) = 0;
  /// fsync(2).
  virtual Status Sync(int fd) = 0;
  /// dup(2) (F_DUPFD_CLOEXEC).
  virtual Result<Fd> Dup(int fd) = 0;
  /// flock(LOCK_EX | LOCK_NB): sys_errno EWOULDBLOCK when another holds the lock.
  virtual Status TryLockExclusive(int fd) = 0;
  /// flock(LOCK_SH | LOCK_NB): sys_errno EWOULDBLOCK when another holds it exclusively.
  virtual Status TryLockShared(int fd) = 0;

  /// getcwd(3).
  virtual Result<std::string> CurrentDirectory() = 0;
  /// geteuid(2).
  virtual uid_t EffectiveUid() = 0;
  /// clock_gettime(CLOCK_REALTIME): the clock file times are stamped with.
  virtual timespec Now() = 0;
  /// Sleeps (waiting for a lock, or for a file being written to settle).
  virtual void SleepMs(unsigned ms) = 0;

  /// getpwnam_r(3); nullopt when there is no such user.
  virtual Result<std::optional<UserEntry>> LookupUser(const std::string& name) = 0;
  /// getgrnam_r(3); nullopt when there is no such group.
  virtual Result<std::optional<gid_t>> LookupGroup(const std::string& name) = 0;
  /// The names of the groups `user` (primary group `gid`) belongs to: getgrouplist(3), each
  /// id named by getgrgid_r(3) (ids without a name are left out).
  virtual Result<std::vector<std::string>> GroupNamesOf(const std::string& user, gid_t gid) = 0;

  /// True when this process runs in a user namespace other than the initial one.
  virtual bool InChildUserNamespace() = 0;
  /// The kernel's overflow uid/gid (what unmapped owners appear as in a user namespace).
  virtual uid_t OverflowUid() = 0;
  virtual gid_t OverflowGid() = 0;
};

/// The real operating system.
SysOps& RealSys();

}  // namespace capset
