// SPDX-License-Identifier: LGPL-2.1-or-later
// The walk behind capctl audit: every set-user-ID, set-group-ID or capability-carrying
// regular file below some directories (core/include/capset/audit.h).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capset/audit.h"
#include "capset/fd.h"
#include "capset/policy_loader.h"
#include "capset/safe_path.h"
#include "capset/trust.h"
#include "sys/dir_scan_ops.h"

namespace capset {
namespace {

// The scanner's read: relative to the directory (no path walk per file), by path only on
// kernels without getxattrat(2).
std::optional<VfsCap> ReadCaps(int dirfd, const std::string& name, const std::string& path) {
  uint8_t buf[kVfsCapMaxSize];
  ssize_t n = sys::GetCapXattrAt(dirfd, name.c_str(), buf, sizeof buf);
  if (n == -ENOSYS) n = sys::GetCapXattrPath(path.c_str(), buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  Result<VfsCap> caps = DecodeVfsCap({buf, static_cast<size_t>(n)});
  return caps.ok() ? std::optional<VfsCap>(*caps) : std::nullopt;
}

// Depth-first, without following symlinks or leaving `dev`. `prefix` (the image root, "" for
// the running system) is cut from the front of each path to give its policy path.
// `untrusted`: why this directory (or one above it) is not root's alone, if it is not.
void Walk(int dirfd, const std::string& path, dev_t dev, const std::string& prefix,
          const std::optional<std::string>& untrusted, std::vector<AuditedFile>& out,
          std::vector<std::string>& errors) {
  const int fd = ::dup(dirfd);
  DIR* d = fd < 0 ? nullptr : ::fdopendir(fd);
  if (d == nullptr) {
    if (fd >= 0) ::close(fd);
    errors.push_back(FromErrno(errno, "open directory", path).message());
    return;
  }
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string child = (path == "/" ? "" : path) + "/" + name;
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      errors.push_back(FromErrno(errno, "stat", child).message());
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) continue;  // another filesystem
      Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) {
        errors.push_back(FromErrno(errno, "open directory", child).message());
        continue;
      }
      std::optional<std::string> sub_untrusted = untrusted;
      if (!sub_untrusted) {
        if (auto why = UntrustedReason(RealSys(), sub.get(), st)) {
          sub_untrusted = "directory '" + child + "' " + *why;
        }
      }
      Walk(sub.get(), child, dev, prefix, sub_untrusted, out, errors);
      continue;
    }
    if (!S_ISREG(st.st_mode)) continue;
    std::optional<VfsCap> caps = ReadCaps(dirfd, name, child);
    if (!(st.st_mode & (S_ISUID | S_ISGID)) && !caps) continue;
    AuditedFile f;
    f.path = child;
    f.policy_path = child.substr(prefix.size());
    f.mode = st.st_mode;
    f.uid = st.st_uid;
    f.gid = st.st_gid;
    f.caps = caps;
    f.untrusted = untrusted;
    if (!f.untrusted) {
      // SECURITY: what a non-root user can change is no place to grant a capability.
      Fd self(::openat(dirfd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
      if (!self.valid()) {
        f.untrusted = "cannot be opened to check it: " + FromErrno(errno).message();
      } else if (auto why = UntrustedReason(RealSys(), self.get(), st)) {
        f.untrusted = "the file " + *why;
      }
    }
    out.push_back(std::move(f));
  }
  ::closedir(d);
}

}  // namespace

std::vector<AuditedFile> InventoryPrivilegedFiles(const std::vector<std::string>& dirs,
                                                  const std::string& root,
                                                  std::vector<std::string>& errors) {
  std::vector<AuditedFile> out;
  const std::string prefix = RootedPath(root, "");  // "" for the running system
  for (const auto& dir : dirs) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
      errors.push_back(FromErrno(errno, "open directory", dir).message());
      continue;
    }
    // The directory and everything above it, by the trust rule (safe_path.h's walk).
    SafeOpenOptions look;
    look.trust = TrustMode::kReport;
    Result<SafeDir> checked = OpenDirectoryNoFollow(RealSys(), dir, look);
    std::optional<std::string> untrusted;
    if (!checked.ok()) {
      untrusted = checked.status().message();
    } else {
      untrusted = checked->untrusted;
    }
    Walk(fd.get(), dir, st.st_dev, prefix, untrusted, out, errors);
  }
  return out;
}

}  // namespace capset
