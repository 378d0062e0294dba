// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/safe_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace capset {
namespace {

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

std::string Child(const std::string& dir, const std::string& name) {
  return (dir == "/" ? "" : dir) + "/" + name;
}

Status SysError(const Status& st, const std::string& verb, const std::string& what) {
  return Status(st.code(), "Failed to " + verb + " '" + what + "': " + st.message(),
                st.sys_errno());
}

Status Unsafe(const std::string& message) { return Status(Code::kUnsafe, message); }

Status SymlinkRefused(const std::string& shown) {
  return Unsafe("Refusing '" + shown +
                "': it is a symbolic link, and capset follows none (give the real path, e.g. "
                "from realpath(1))");
}

// Explains why opening a directory component failed (ENOTDIR/ELOOP usually mean the
// component is a symbolic link or a file).
Status ExplainComponentFailure(SysOps& sys, int dirfd, const std::string& name,
                               const std::string& shown, const Status& open_error) {
  Result<struct stat> st = sys.StatAt(dirfd, name);
  if (st.ok()) {
    if (S_ISLNK(st->st_mode)) return SymlinkRefused(shown);
    if (!S_ISDIR(st->st_mode)) {
      return Status(Code::kNotFound, "Failed to open '" + shown + "': Not a directory", ENOTDIR);
    }
  }
  return SysError(open_error, "open", shown);
}

// Applies options.trust to one directory of a walk; `last`: the rule's also_owner applies.
// `root_only` is cleared unless the directory is uid 0's and writable by no group or other
// (the trust rule also accepts group 0 and, in a user namespace, unmapped owners).
Status CheckDirectory(SysOps& sys, int fd, const std::string& shown, const std::string& subject,
                      const SafeOpenOptions& options, bool last,
                      std::optional<std::string>& untrusted, bool& root_only) {
  if (options.trust == TrustMode::kIgnore) return root_only = false, Status::Ok();
  Result<struct stat> st = sys.Stat(fd);
  if (!st.ok()) return SysError(st.status(), "stat", shown);
  if (st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH))) root_only = false;
  const std::optional<std::string> why =
      UntrustedReason(sys, fd, *st, last ? options.rule : TrustRule{});
  if (!why) return Status::Ok();
  const std::string text = "directory '" + shown + "' " + *why +
                           ", so someone other than root could replace what is in it";
  if (options.trust == TrustMode::kReport) {
    if (!untrusted) untrusted = text;
    return Status::Ok();
  }
  return Unsafe("Refusing '" + subject + "': " + text);
}

// A directory being walked: its descriptor and how it is shown.
struct Step {
  Fd fd;
  std::string shown;
};

// Whether a walk with `options` can leave only directories no one but root can change
// (CheckDirectory then looks at each).
bool RootOnly(const SafeOpenOptions& options) {
  return options.trust == TrustMode::kRequire && !options.rule.also_owner;
}

// Walks `parts` below `base`, each component with openat2 (contained, no symlinks).
Result<SafeDir> WalkBelow(SysOps& sys, const SafeDir& base, const std::vector<std::string>& parts,
                          size_t count, const std::string& subject,
                          const SafeOpenOptions& options) {
  SafeDir out;
  out.untrusted = base.untrusted;
  out.root_only = base.root_only && (count == 0 || RootOnly(options));
  if (count == 0) {  // base itself, as a descriptor of its own
    Result<Fd> self = sys.OpenBeneath(base.fd.get(), ".", O_PATH | O_DIRECTORY);
    if (!self.ok()) return SysError(self.status(), "open", base.path);
    out.fd = std::move(self).value();
    out.path = base.path;
    return out;
  }
  // The first component is opened from base's descriptor itself, not from a copy of it (an
  // open and a close fewer per walk: the generator makes one per drop-in directory).
  int at = base.fd.get();
  Step cur{Fd(), base.path};
  for (size_t i = 0; i < count; ++i) {
    const std::string& name = parts[i];
    const std::string shown = Child(cur.shown, name);
    Result<Fd> dir = sys.OpenBeneath(at, name, O_PATH | O_NOFOLLOW | O_DIRECTORY);
    if (!dir.ok()) return ExplainComponentFailure(sys, at, name, shown, dir.status());
    CAPSET_RETURN_IF_ERROR(CheckDirectory(sys, dir->get(), shown, subject, options, i + 1 == count,
                                          out.untrusted, out.root_only));
    cur = Step{std::move(dir).value(), shown};
    at = cur.fd.get();
  }
  out.fd = std::move(cur.fd);
  out.path = cur.shown;
  return out;
}

Result<std::string> Absolute(SysOps& sys, const std::string& path) {
  if (path.empty()) return Status(Code::kInvalidArgument, "empty file name");
  if (path[0] == '/') return path;
  Result<std::string> cwd = sys.CurrentDirectory();
  if (!cwd.ok()) {
    return Status(Code::kIoError, "Failed to resolve '" + path + "': working directory unknown",
                  cwd.status().sys_errno());
  }
  return *cwd + "/" + path;
}

// Walks `parts[0..count)` from "/" on the running system: ".." pops (never above "/"); every
// directory is checked. `subject` is named in refusals.
Result<SafeDir> WalkFromSlash(SysOps& sys, const std::vector<std::string>& parts, size_t count,
                              const std::string& subject, const SafeOpenOptions& options) {
  SafeDir out;
  out.root_only = RootOnly(options);
  std::vector<Step> stack;
  {
    Result<Fd> root = sys.OpenAt(AT_FDCWD, "/", O_PATH | O_DIRECTORY);
    if (!root.ok()) return SysError(root.status(), "open", "/");
    stack.push_back({std::move(root).value(), "/"});
  }
  // The last real component, to which the rule's also_owner applies.
  size_t last = 0;
  for (size_t i = 0; i < count; ++i) {
    if (parts[i] != "." && parts[i] != "..") last = i + 1;
  }
  CAPSET_RETURN_IF_ERROR(CheckDirectory(sys, stack.back().fd.get(), "/", subject, options,
                                        last == 0, out.untrusted, out.root_only));
  for (size_t i = 0; i < count; ++i) {
    const std::string& name = parts[i];
    if (name == ".") continue;
    if (name == "..") {
      if (stack.size() > 1) stack.pop_back();
      continue;
    }
    const std::string shown = Child(stack.back().shown, name);
    Result<Fd> dir =
        sys.OpenBeneath(stack.back().fd.get(), name, O_PATH | O_NOFOLLOW | O_DIRECTORY);
    if (!dir.ok()) {
      return ExplainComponentFailure(sys, stack.back().fd.get(), name, shown, dir.status());
    }
    CAPSET_RETURN_IF_ERROR(CheckDirectory(sys, dir->get(), shown, subject, options, i + 1 == last,
                                          out.untrusted, out.root_only));
    stack.push_back({std::move(dir).value(), shown});
  }
  out.fd = std::move(stack.back().fd);
  out.path = stack.back().shown;
  return out;
}

}  // namespace

Result<std::vector<std::string>> PathBelowRoot(const std::string& path) {
  std::vector<std::string> parts = SplitPath(path);
  std::vector<std::string> out;
  out.reserve(parts.size());
  for (auto& p : parts) {
    if (p == ".") continue;
    if (p == "..") {
      return Status(Code::kInvalidArgument,
                    "Refusing '" + path + "': '..' would leave the root it is resolved in");
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<SafeDir> OpenRoot(SysOps& sys, const std::string& root, const SafeOpenOptions& options) {
  Result<SafeDir> dir = OpenDirectoryNoFollow(sys, root, options);
  if (!dir.ok() && dir.status().code() == Code::kNotFound) {
    return Status(
        Code::kNotFound,
        "the root directory '" + root + "' does not exist (" + dir.status().message() + ")",
        dir.status().sys_errno());
  }
  return dir;
}

Result<SafeDir> OpenDirectoryBelow(SysOps& sys, const SafeDir& base, const std::string& path,
                                   const SafeOpenOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(std::vector<std::string> parts, PathBelowRoot(path));
  const std::string subject = base.path == "/" ? path : base.path + path;
  return WalkBelow(sys, base, parts, parts.size(), subject, options);
}

Result<SafeFile> OpenRegularFileBelow(SysOps& sys, const SafeDir& base, const std::string& path,
                                      const SafeOpenOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(std::vector<std::string> parts, PathBelowRoot(path));
  const std::string shown = base.path == "/" ? path : base.path + path;
  if (parts.empty() || path.back() == '/') {
    return Unsafe("Refusing '" + shown + "': not a regular file");
  }
  SafeOpenOptions dirs = options;
  dirs.rule = {};  // the rule is the file's; its directories are root's
  CAPSET_ASSIGN_OR_RETURN(SafeDir dir, WalkBelow(sys, base, parts, parts.size() - 1, shown, dirs));
  return OpenRegularFileAt(sys, dir, parts.back(), shown, options);
}

Result<SafeDir> OpenDirectoryNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(std::string absolute, Absolute(sys, path));
  const std::vector<std::string> parts = SplitPath(absolute);
  return WalkFromSlash(sys, parts, parts.size(), path, options);
}

Result<SafeParent> OpenParentNoFollow(SysOps& sys, const std::string& path,
                                      const SafeOpenOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(std::string absolute, Absolute(sys, path));
  const std::vector<std::string> parts = SplitPath(absolute);
  if (parts.empty() || absolute.back() == '/' || parts.back() == "." || parts.back() == "..") {
    return Unsafe("Refusing '" + path + "': not a regular file");
  }
  SafeOpenOptions dirs = options;
  dirs.rule = {};  // the rule is the file's; its directories are root's
  CAPSET_ASSIGN_OR_RETURN(SafeDir dir, WalkFromSlash(sys, parts, parts.size() - 1, path, dirs));
  return SafeParent{std::move(dir), parts.back()};
}

Result<SafeFile> OpenRegularFileNoFollow(SysOps& sys, const std::string& path,
                                         const SafeOpenOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(SafeParent parent, OpenParentNoFollow(sys, path, options));
  return OpenRegularFileAt(sys, parent.dir, parent.name, path, options);
}

Result<SafeFile> OpenRegularFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                   const std::string& shown, const SafeOpenOptions& options) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Unsafe("Refusing '" + shown + "': not a regular file");
  }
  SafeFile out;
  out.untrusted = dir.untrusted;
  // SECURITY: a name is opened for reading only once it is known to be a regular file (never
  // a FIFO, which could block, or a device, whose open acts): through an O_PATH descriptor
  // and its fstat, or, in a directory only root can change (stat_then_open), from its fstatat.
  const bool by_stat = options.stat_then_open && dir.root_only && !dir.untrusted;
  Result<Fd> opath =
      by_stat ? Result<Fd>(Fd()) : sys.OpenBeneath(dir.fd.get(), name, O_PATH | O_NOFOLLOW);
  if (!opath.ok()) return SysError(opath.status(), "open", shown);
  Result<struct stat> st = by_stat ? sys.StatAt(dir.fd.get(), name) : sys.Stat(opath->get());
  if (!st.ok()) return SysError(st.status(), by_stat ? "open" : "stat", shown);
  if (S_ISLNK(st->st_mode)) return SymlinkRefused(shown);
  if (!S_ISREG(st->st_mode)) {
    return Unsafe("Refusing '" + shown + "': " + FileType(st->st_mode) +
                  ", not a regular file (only regular files carry capabilities or policy)");
  }
  if (st->st_nlink > 1) {
    const std::string links = std::to_string(st->st_nlink);
    if (!options.allow_hardlinks) {
      return Unsafe("Refusing '" + shown + "': it has " + links +
                    " hard links, and every other name would carry the capability too "
                    "(check with 'find / -samefile', or force with -f)");
    }
    out.warnings.push_back("'" + shown + "' has " + links +
                           " hard links; every one of them gets the capability (forced)");
  }

  // SECURITY: O_NONBLOCK, so that nothing swapped in between could block the open; the inode
  // is compared below.
  Result<Fd> real =
      by_stat ? sys.OpenBeneath(dir.fd.get(), name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY)
              : sys.Reopen(opath->get(), O_RDONLY | O_NONBLOCK);
  if (!real.ok()) return SysError(real.status(), "open", shown);
  Result<struct stat> st2 = sys.Stat(real->get());
  if (!st2.ok()) return SysError(st2.status(), "stat", shown);
  if (st2->st_dev != st->st_dev || st2->st_ino != st->st_ino) {
    return Unsafe("Refusing '" + shown + "': the file changed while it was being opened");
  }
  if (options.trust != TrustMode::kIgnore) {
    // On the real descriptor: its ACL is one fgetxattr(2) away (an O_PATH one has none
    // before Linux 6.16), and kept for callers that judge a state the file is to be given.
    TrustJudgement judged = JudgeTrust(sys, real->get(), *st2, options.rule);
    out.acl = std::move(judged.acl);
    if (judged.untrusted) {
      const std::string text =
          "the file " + *judged.untrusted + ", so someone other than root could change it";
      if (options.trust == TrustMode::kRequire) return Unsafe("Refusing '" + shown + "': " + text);
      if (!out.untrusted) out.untrusted = text;
    }
  }
  out.fd = std::move(real).value();
  out.st = *st2;
  out.path = shown;
  return out;
}

}  // namespace capset
