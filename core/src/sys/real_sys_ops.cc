// SPDX-License-Identifier: LGPL-2.1-or-later
// RealSysOps: the system calls behind SysOps.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "capset/status.h"
#include "capset/sys_ops.h"
#include "sys/dir_scan_ops.h"

namespace capset {
namespace {

constexpr const char kAclXattrName[] = "system.posix_acl_access";

// The first line of a small /proc file ("" if unreadable). Plain read(2), not iostreams:
// this code is linked into pam_capset.so, which should not drag the locale machinery along.
std::string ReadProcLine(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return "";
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

unsigned long ReadProcNumber(const char* path, unsigned long fallback) {
  const std::string line = ReadProcLine(path);
  char* end = nullptr;
  const unsigned long value = std::strtoul(line.c_str(), &end, 10);
  return end == line.c_str() ? fallback : value;
}

// Calls `lookup(buffer, size)` (a getpwnam_r-style function returning an errno) with a buffer
// that grows while it says ERANGE, up to `max` bytes: a group with many members needs more
// than the usual 16 KiB, and must not look like an unknown group.
template <typename Lookup>
int WithGrowingBuffer(std::vector<char>& buf, size_t max, Lookup lookup) {
  int err;
  while ((err = lookup(buf.data(), buf.size())) == ERANGE && buf.size() < max) {
    buf.resize(buf.size() * 4);
  }
  return err;
}

// What a read of security.capability returned (`n` bytes, or -1 with `err`) as SysOps says it:
// nullopt for none, kCorrupt for a value too large to be one, kNotSupported without the call.
Result<std::optional<RawCapXattr>> CapXattrResult(RawCapXattr raw, ssize_t n, int err) {
  if (n >= 0) {
    raw.size = static_cast<size_t>(n);
    return std::optional<RawCapXattr>(raw);
  }
  if (err == ENODATA) return std::optional<RawCapXattr>();
  if (err == ERANGE) {
    return Status(Code::kCorrupt, "malformed security.capability (larger than 24 bytes)", ERANGE);
  }
  if (err == ENOSYS) return Status(Code::kNotSupported, "no getxattrat(2)", ENOSYS);
  return FromErrno(err);
}

// The same for system.posix_acl_access in `buf`: nullopt for none or a filesystem without ACLs.
Result<std::optional<std::string>> AclXattrResult(const char* buf, ssize_t n, int err) {
  if (n >= 0) return std::optional<std::string>(std::string(buf, static_cast<size_t>(n)));
  if (err == ENODATA || err == ENOTSUP) return std::optional<std::string>();  // ENOTSUP: EOPNOTSUPP
  if (err == ENOSYS) return Status(Code::kNotSupported, "no getxattrat(2)", ENOSYS);
  return FromErrno(err);
}

class RealSysOps final : public SysOps {
 public:
  Result<Fd> OpenAt(int dirfd, const std::string& name, int flags) override {
    const int fd = ::openat(dirfd, name.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return FromErrno(errno);
    return Fd(fd);
  }

  Result<Fd> OpenBeneath(int dirfd, const std::string& name, int flags) override {
    open_how how{};
    how.flags = static_cast<__u64>(static_cast<unsigned>(flags | O_CLOEXEC));
    how.resolve = static_cast<__u64>(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
    const long fd = ::syscall(SYS_openat2, dirfd, name.c_str(), &how, sizeof how);
    if (fd < 0) {
      if (errno == ENOSYS) {
        return Status(Code::kNotSupported,
                      "the kernel has no openat2(2) (Linux 5.6 or later is needed to resolve "
                      "paths inside a root)",
                      ENOSYS);
      }
      return FromErrno(errno);
    }
    return Fd(static_cast<int>(fd));
  }

  Result<Fd> Reopen(int opath_fd, int flags) override {
    // SECURITY: /proc/self/fd/N names the inode the O_PATH descriptor already holds; the
    // kernel follows the magic link to it without walking any path a user could change.
    const std::string proc = "/proc/self/fd/" + std::to_string(opath_fd);
    const int fd = ::open(proc.c_str(), flags | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      if (errno == ENOENT) return Status(Code::kNotSupported, "/proc is not mounted", ENOENT);
      return FromErrno(errno);
    }
    return Fd(fd);
  }

  Result<struct stat> Stat(int fd) override {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return FromErrno(errno);
    return st;
  }

  Result<struct stat> StatAt(int dirfd, const std::string& name) override {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return FromErrno(errno);
    return st;
  }

  Result<std::optional<RawCapXattr>> GetCapXattr(int fd) override {
    RawCapXattr raw;
    const ssize_t n = ::fgetxattr(fd, kCapXattrName, raw.data.data(), raw.data.size());
    return CapXattrResult(raw, n, n < 0 ? errno : 0);
  }

  Status SetCapXattr(int fd, std::span<const uint8_t> value) override {
    if (::fsetxattr(fd, kCapXattrName, value.data(), value.size(), 0) != 0) {
      return FromErrno(errno);
    }
    return Status::Ok();
  }

  Status RemoveCapXattr(int fd) override {
    if (::fremovexattr(fd, kCapXattrName) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Result<std::optional<std::string>> GetAclXattr(int fd) override {
    // An ACL is a few entries of 8 bytes; 32 entries is already a lot.
    char buf[4096];
    ssize_t n = ::fgetxattr(fd, kAclXattrName, buf, sizeof buf);
    if (n < 0 && errno == EBADF) {
      // O_PATH descriptors have no f*xattr(2) before Linux 6.16: name the inode the descriptor
      // already holds through its magic link (no path a user could change is walked).
      const std::string proc = "/proc/self/fd/" + std::to_string(fd);
      n = ::getxattr(proc.c_str(), kAclXattrName, buf, sizeof buf);
      if (n < 0 && errno == ENOENT) {
        return Status(Code::kNotSupported, "/proc is not mounted", ENOENT);
      }
    }
    return AclXattrResult(buf, n, n < 0 ? errno : 0);
  }

  Result<std::optional<RawCapXattr>> GetCapXattrAt(int dirfd, const std::string& name) override {
    RawCapXattr raw;
    const ssize_t n = sys::GetCapXattrAt(dirfd, name.c_str(), raw.data.data(), raw.data.size());
    return CapXattrResult(raw, n < 0 ? -1 : n, n < 0 ? static_cast<int>(-n) : 0);
  }

  Result<std::optional<std::string>> GetAclXattrAt(int dirfd, const std::string& name) override {
    char buf[4096];
    const ssize_t n = sys::GetXattrAt(dirfd, name.c_str(), kAclXattrName, buf, sizeof buf);
    return AclXattrResult(buf, n < 0 ? -1 : n, n < 0 ? static_cast<int>(-n) : 0);
  }

  Result<bool> CanReadAt(int dirfd, const std::string& name) override {
    if (::faccessat(dirfd, name.c_str(), R_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) == 0) return true;
    if (errno == EACCES) return false;
    return FromErrno(errno);
  }

  Result<std::string> ReadContent(int fd, size_t max) override {
    std::string out;
    Result<size_t> read =
        ReadContentPieces(fd, max, [&](std::string_view piece) { out.append(piece); });
    if (!read.ok()) return read.status();
    return out;
  }

  Result<size_t> ReadContentPieces(int fd, size_t max,
                                   const std::function<void(std::string_view)>& piece) override {
    // On the heap (a PAM module may be called on a thread with a small stack), and no larger
    // than the read can fill.
    const size_t size = std::min<size_t>(65536, max + 1);
    std::unique_ptr<char[]> buf(new char[size]);
    size_t total = 0;
    for (off_t offset = 0; total <= max;) {
      const size_t want = std::min(size, max + 1 - total);
      const ssize_t n = ::pread(fd, buf.get(), want, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FromErrno(errno);
      if (n == 0) break;
      piece(std::string_view(buf.get(), static_cast<size_t>(n)));
      total += static_cast<size_t>(n);
      offset += n;
      // The end of a regular file whose size the caller gave as `max` (see sys_ops.h); a
      // short read before it (FUSE, NFS) reads on.
      if (static_cast<size_t>(n) < want && total == max) break;
    }
    return total;
  }

  Result<std::vector<DirEntry>> ReadDirectory(int fd) override {
    // "." of an O_PATH descriptor opens the directory itself, readable, without a path walk.
    const int dfd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return FromErrno(errno);
    DIR* d = ::fdopendir(dfd);
    if (d == nullptr) {
      const int err = errno;
      ::close(dfd);
      return FromErrno(err);
    }
    std::vector<DirEntry> out;
    errno = 0;
    while (const dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        out.push_back({e->d_name, e->d_type});
      }
      errno = 0;
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) return FromErrno(err);
    return out;
  }

  Result<std::string> ReadLinkAt(int dirfd, const std::string& name) override {
    char buf[4096];
    const ssize_t n = ::readlinkat(dirfd, name.c_str(), buf, sizeof buf);
    if (n < 0) return FromErrno(errno);
    return std::string(buf, static_cast<size_t>(n));
  }

  Result<unsigned> InodeFlags(int fd) override {
    int flags = 0;
    if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
      if (errno == ENOTTY || errno == ENOTSUP || errno == EINVAL) return 0u;  // ENOTSUP: EOPNOTSUPP
      return FromErrno(errno);
    }
    return static_cast<unsigned>(flags);
  }

  Status Chown(int fd, uid_t uid, gid_t gid) override {
    if (::fchown(fd, uid, gid) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status Chmod(int fd, mode_t mode) override {
    if (::fchmod(fd, mode & 07777) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Result<Fd> CreateAt(int dirfd, const std::string& name, int flags, mode_t mode) override {
    const int fd = ::openat(dirfd, name.c_str(), flags | O_CREAT | O_CLOEXEC, mode);
    if (fd < 0) return FromErrno(errno);
    return Fd(fd);
  }

  Status MkdirAt(int dirfd, const std::string& name, mode_t mode) override {
    if (::mkdirat(dirfd, name.c_str(), mode) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status RenameAt(int dirfd, const std::string& from, const std::string& to) override {
    if (::renameat(dirfd, from.c_str(), dirfd, to.c_str()) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status UnlinkAt(int dirfd, const std::string& name) override {
    if (::unlinkat(dirfd, name.c_str(), 0) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status RemoveDirAt(int dirfd, const std::string& name) override {
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status WriteAll(int fd, std::string_view data) override {
    for (size_t done = 0; done < data.size();) {
      const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return FromErrno(errno);
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status Sync(int fd) override {
    if (::fsync(fd) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Result<Fd> Dup(int fd) override {
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return FromErrno(errno);
    return Fd(copy);
  }

  Status TryLockExclusive(int fd) override {
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status TryLockShared(int fd) override {
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Result<std::string> CurrentDirectory() override {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) return FromErrno(errno);
    return std::string(cwd);
  }

  uid_t EffectiveUid() override { return ::geteuid(); }

  timespec Now() override {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return now;
  }

  void SleepMs(unsigned ms) override {
    timespec t{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000L};
    while (::nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
  }

  Result<std::optional<UserEntry>> LookupUser(const std::string& name) override {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    const int err = WithGrowingBuffer(buf, size_t{1} << 24, [&](char* b, size_t len) {
      return ::getpwnam_r(name.c_str(), &pw, b, len, &found);
    });
    if (err != 0) return FromErrno(err);
    if (found == nullptr) return std::optional<UserEntry>();
    return std::optional<UserEntry>(UserEntry{pw.pw_uid, pw.pw_gid});
  }

  Result<std::optional<gid_t>> LookupGroup(const std::string& name) override {
    std::vector<char> buf(65536);
    group gr{};
    group* found = nullptr;
    const int err = WithGrowingBuffer(buf, size_t{1} << 26, [&](char* b, size_t len) {
      return ::getgrnam_r(name.c_str(), &gr, b, len, &found);
    });
    if (err != 0) return FromErrno(err);
    if (found == nullptr) return std::optional<gid_t>();
    return std::optional<gid_t>(gr.gr_gid);
  }

  Result<std::vector<std::string>> GroupNamesOf(const std::string& user, gid_t gid) override {
    int n = 64;
    std::vector<gid_t> gids(static_cast<size_t>(n));
    while (::getgrouplist(user.c_str(), gid, gids.data(), &n) < 0) {
      if (n > 65536) return Status(Code::kIoError, "too many groups for '" + user + "'");
      gids.resize(static_cast<size_t>(n));
    }
    gids.resize(static_cast<size_t>(n));
    std::vector<std::string> names;
    std::vector<char> buf(16384);
    for (gid_t g : gids) {
      group gr{};
      group* found = nullptr;
      // Dropping a group too large for the buffer would hide an @group rule.
      const int err = WithGrowingBuffer(buf, size_t{1} << 24, [&](char* b, size_t len) {
        return ::getgrgid_r(g, &gr, b, len, &found);
      });
      if (err != 0) return FromErrno(err, "look up group", std::to_string(g));
      if (found != nullptr) names.emplace_back(found->gr_name);
    }
    return names;
  }

  bool InChildUserNamespace() override {
    const std::string line = ReadProcLine("/proc/self/uid_map");
    unsigned long inside = 0, outside = 0, count = 0;
    if (std::sscanf(line.c_str(), "%lu %lu %lu", &inside, &outside, &count) != 3) return false;
    return !(inside == 0 && outside == 0 && count == 4294967295UL);
  }

  uid_t OverflowUid() override {
    return static_cast<uid_t>(ReadProcNumber("/proc/sys/kernel/overflowuid", 65534));
  }
  gid_t OverflowGid() override {
    return static_cast<gid_t>(ReadProcNumber("/proc/sys/kernel/overflowgid", 65534));
  }
};

}  // namespace

SysOps& RealSys() {
  // A plain static, not a leaked heap object: pam_capset.so is loaded and unloaded on every
  // login, and each load must not leave memory behind in a long-running login process.
  static RealSysOps ops;
  return ops;
}

}  // namespace capset
