#include "capset/safe_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>

namespace capset {
namespace {

std::string Octal(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string FileType(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    const size_t j = path.find('/', i);
    const size_t end = j == std::string::npos ? path.size() : j;
    if (end > i) parts.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return parts;
}

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "/" + parts[i];
  return out.empty() ? "/" : out;
}

Status SysError(const Status& st, const std::string& verb, const std::string& what) {
  return Status(st.code(), "Failed to " + verb + " '" + what + "': " + st.message(),
                st.sys_errno());
}

Status Unsafe(const std::string& message) { return Status(Code::kUnsafe, message); }

// Explains why an openat of a directory component failed (ENOTDIR/ELOOP usually mean the
// component is a symbolic link or a file).
Status ExplainComponentFailure(SysOps& sys, int dirfd, const std::string& name,
                               const std::string& shown, const Status& open_error) {
  Result<struct stat> st = sys.StatAt(dirfd, name);
  if (st.ok()) {
    if (S_ISLNK(st->st_mode)) {
      return Unsafe("Refusing '" + shown +
                    "': it is a symbolic link, and capctl follows none when writing "
                    "capabilities (give the real path, e.g. from realpath(1))");
    }
    if (!S_ISDIR(st->st_mode)) {
      return Status(Code::kNotFound, "Failed to open '" + shown + "': Not a directory", ENOTDIR);
    }
  }
  return SysError(open_error, "open", shown);
}

}  // namespace

std::optional<std::string> UntrustedReason(SysOps& sys, const struct stat& st) {
  const bool group_writable = (st.st_mode & S_IWGRP) != 0;
  // The common case (owned by root:root or not group-writable) needs no look at the user
  // namespace: this runs on every login in pam_capset.so.
  const bool trusted_fast = st.st_uid == 0 && (!group_writable || st.st_gid == 0);
  const bool userns = !trusted_fast && sys.InChildUserNamespace();
  const bool root_owner = st.st_uid == 0 || (userns && st.st_uid == sys.OverflowUid());
  const bool root_group = st.st_gid == 0 || (userns && st.st_gid == sys.OverflowGid());
  auto detail = [&] {
    return " (owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + ", mode " +
           Octal(st.st_mode) + ")";
  };
  if (!root_owner) return "is owned by a non-root user" + detail();
  if (group_writable && !root_group) return "is writable by a non-root group" + detail();
  if (st.st_mode & S_IWOTH) return "is writable by everyone" + detail();
  return std::nullopt;
}

namespace {

// Walks parts[0..count) from "/" (see OpenRegularFileNoFollow); messages name `subject`.
Result<Fd> WalkDirectories(SysOps& sys, const std::vector<std::string>& parts, size_t count,
                           const std::string& subject, const SafeOpenOptions& options) {
  // resolved[i] is the real component list of stack[i + 1]; ".." pops both.
  std::vector<Fd> stack;
  std::vector<std::string> resolved;
  {
    Result<Fd> root = sys.OpenAt(AT_FDCWD, "/", O_PATH | O_DIRECTORY);
    if (!root.ok()) return SysError(root.status(), "open", "/");
    stack.push_back(std::move(root).value());
  }

  auto check_trust = [&](int fd, const std::string& shown) -> Status {
    if (!options.require_trusted) return Status::Ok();
    Result<struct stat> st = sys.Stat(fd);
    if (!st.ok()) return SysError(st.status(), "stat", shown);
    if (auto why = UntrustedReason(sys, *st)) {
      return Unsafe("Refusing '" + subject + "': directory '" + shown + "' " + *why +
                    ", so a non-root user could swap the file while it is changed");
    }
    return Status::Ok();
  };
  CAPSET_RETURN_IF_ERROR(check_trust(stack.back().get(), "/"));

  for (size_t i = 0; i < count; ++i) {
    const std::string& name = parts[i];
    if (name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) stack.pop_back(), resolved.pop_back();
      continue;
    }
    resolved.push_back(name);
    const std::string shown = Join(resolved, resolved.size());
    Result<Fd> dir = sys.OpenAt(stack.back().get(), name, O_PATH | O_NOFOLLOW | O_DIRECTORY);
    if (!dir.ok()) {
      return ExplainComponentFailure(sys, stack.back().get(), name, shown, dir.status());
    }
    CAPSET_RETURN_IF_ERROR(check_trust(dir->get(), shown));
    stack.push_back(std::move(dir).value());
  }
  return std::move(stack.back());
}

Result<std::string> Absolute(const std::string& path) {
  if (path.empty()) return Status(Code::kInvalidArgument, "empty file name");
  if (path[0] == '/') return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) {
    return Status(Code::kIoError, "Failed to resolve '" + path + "': working directory unknown",
                  errno);
  }
  return std::string(cwd) + "/" + path;
}

}  // namespace

Result<SafeDir> OpenDirectoryNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options) {
  Result<std::string> absolute = Absolute(path);
  if (!absolute.ok()) return absolute.status();
  const std::vector<std::string> parts = SplitPath(*absolute);
  Result<Fd> dir = WalkDirectories(sys, parts, parts.size(), path, options);
  if (!dir.ok()) return dir.status();
  return SafeDir{std::move(dir).value(), path};
}

Result<SafeFile> OpenRegularFileNoFollow(SysOps& sys, const std::string& path,
                                         const SafeOpenOptions& options) {
  Result<std::string> absolute = Absolute(path);
  if (!absolute.ok()) return absolute.status();
  const std::vector<std::string> parts = SplitPath(*absolute);
  if (parts.empty() || absolute->back() == '/' || parts.back() == "." || parts.back() == "..") {
    return Unsafe("Refusing '" + path + "': not a regular file");
  }
  Result<Fd> dir = WalkDirectories(sys, parts, parts.size() - 1, path, options);
  if (!dir.ok()) return dir.status();
  return OpenRegularFileAt(sys, SafeDir{std::move(dir).value(), ""}, parts.back(), path, options);
}

Result<SafeFile> OpenRegularFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                   const std::string& path, const SafeOpenOptions& options) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Unsafe("Refusing '" + path + "': not a regular file");
  }
  Result<Fd> opath = sys.OpenAt(dir.fd.get(), name, O_PATH | O_NOFOLLOW);
  if (!opath.ok()) return SysError(opath.status(), "open", path);
  Result<struct stat> st = sys.Stat(opath->get());
  if (!st.ok()) return SysError(st.status(), "stat", path);
  if (S_ISLNK(st->st_mode)) {
    return Unsafe("Refusing '" + path +
                  "': it is a symbolic link, and capctl follows none when writing capabilities "
                  "(give the real path, e.g. from realpath(1))");
  }
  if (!S_ISREG(st->st_mode)) {
    return Unsafe("Refusing '" + path + "': " + FileType(st->st_mode) +
                  ", not a regular file (only regular files carry capabilities)");
  }
  if (options.require_trusted) {
    if (auto why = UntrustedReason(sys, *st)) {
      return Unsafe("Refusing '" + path + "': the file " + *why +
                    ", so its owner could replace the contents after the capability is set");
    }
  }

  SafeFile out;
  if (st->st_nlink > 1) {
    const std::string links = std::to_string(st->st_nlink);
    if (!options.allow_hardlinks) {
      return Unsafe("Refusing '" + path + "': it has " + links +
                    " hard links, and every other name would carry the capability too "
                    "(check with 'find / -samefile', or force with -f)");
    }
    out.warnings.push_back("'" + path + "' has " + links +
                           " hard links; every one of them gets the capability (forced)");
  }

  Result<Fd> real = sys.Reopen(opath->get(), O_RDONLY | O_NONBLOCK);
  if (!real.ok()) return SysError(real.status(), "open", path);
  Result<struct stat> st2 = sys.Stat(real->get());
  if (!st2.ok()) return SysError(st2.status(), "stat", path);
  if (st2->st_dev != st->st_dev || st2->st_ino != st->st_ino) {
    return Unsafe("Refusing '" + path + "': the file changed while it was being opened");
  }
  out.fd = std::move(real).value();
  out.st = *st2;
  out.path = path;
  return out;
}

}  // namespace capset
