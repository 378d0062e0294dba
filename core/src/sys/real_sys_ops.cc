// RealSysOps: the system calls behind SysOps. Nothing else in the core calls open/xattr for
// writing capabilities.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "capset/sys_ops.h"
#include "sys/errno_status.h"

namespace capset {
namespace {

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

class RealSysOps final : public SysOps {
 public:
  Result<Fd> OpenAt(int dirfd, const std::string& name, int flags) override {
    const int fd = ::openat(dirfd, name.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return FromErrno(errno);
    return Fd(fd);
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
    if (n < 0) {
      if (errno == ENODATA) return std::optional<RawCapXattr>();
      if (errno == ERANGE) {
        return Status(Code::kCorrupt, "malformed security.capability (larger than 24 bytes)",
                      ERANGE);
      }
      return FromErrno(errno);
    }
    raw.size = static_cast<size_t>(n);
    return std::optional<RawCapXattr>(raw);
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

  Status Chown(int fd, uid_t uid, gid_t gid) override {
    if (::fchown(fd, uid, gid) != 0) return FromErrno(errno);
    return Status::Ok();
  }

  Status Chmod(int fd, mode_t mode) override {
    if (::fchmod(fd, mode & 07777) != 0) return FromErrno(errno);
    return Status::Ok();
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
