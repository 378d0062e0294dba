// SPDX-License-Identifier: LGPL-2.1-or-later
// FakeSysOps: an in-memory filesystem behind the SysOps seam, for unit tests of the safe
// walk's rules without root. Paths are created with Add*; descriptors index opened nodes.
#pragma once

#include <dirent.h>
#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "capset/sys_ops.h"

namespace capset::testing {

class FakeSysOps final : public SysOps {
 public:
  struct Node {
    mode_t mode = S_IFDIR | 0755;
    uid_t uid = 0;
    gid_t gid = 0;
    nlink_t nlink = 1;
    ino_t ino = 0;
    std::string link_target;
    std::map<std::string, std::shared_ptr<Node>> children;
    std::optional<RawCapXattr> xattr;
    std::optional<std::string> acl;  ///< system.posix_acl_access, raw
    std::string content;             ///< a regular file's bytes
    time_t mtime = 0, ctime = 0;
    long ctime_nsec = 0;
    unsigned flags = 0;  ///< FS_IOC_GETFLAGS
  };

  FakeSysOps() { root_->ino = 1; }

  /// Creates (or returns) the node at absolute `path`; parents are root-owned 0755 dirs.
  Node& AddDir(const std::string& path, mode_t perm = 0755, uid_t uid = 0) {
    Node& n = Make(path);
    n.mode = S_IFDIR | perm;
    n.uid = uid;
    return n;
  }
  Node& AddFile(const std::string& path, mode_t perm = 0755, uid_t uid = 0) {
    Node& n = Make(path);
    n.mode = S_IFREG | perm;
    n.uid = uid;
    return n;
  }
  Node& AddSymlink(const std::string& path, const std::string& target) {
    Node& n = Make(path);
    n.mode = S_IFLNK | 0777;
    n.link_target = target;
    return n;
  }
  Node& AddTextFile(const std::string& path, const std::string& content, mode_t perm = 0644,
                    uid_t uid = 0) {
    Node& n = AddFile(path, perm, uid);
    n.content = content;
    return n;
  }
  Node& AddFifo(const std::string& path) {
    Node& n = Make(path);
    n.mode = S_IFIFO | 0644;
    return n;
  }

  bool userns = false;
  bool no_xattr_support = false;
  int set_calls = 0;
  /// Called after ReadContent with the node read (a writer changing the file meanwhile).
  std::function<void(Node&)> after_read;

  Result<Fd> OpenAt(int dirfd, const std::string& name, int flags) override {
    std::shared_ptr<Node> base = dirfd == AT_FDCWD ? root_ : Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    std::shared_ptr<Node> n;
    if (name == "/") {
      n = root_;
    } else {
      if (!S_ISDIR(base->mode)) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
      auto it = base->children.find(name);
      if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
      n = it->second;
    }
    if (S_ISLNK(n->mode)) {
      if (!(flags & O_NOFOLLOW)) return Status(Code::kIoError, "fake follows no links", EINVAL);
      if (flags & O_DIRECTORY) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
      if (!(flags & O_PATH)) return Status(Code::kIoError, "Too many levels", ELOOP);
    }
    if ((flags & O_DIRECTORY) && !S_ISDIR(n->mode)) {
      return Status(Code::kNotFound, "Not a directory", ENOTDIR);
    }
    return NewFd(n);
  }

  // Like openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) of one name.
  Result<Fd> OpenBeneath(int dirfd, const std::string& name, int flags) override {
    ++beneath_calls;
    if (name == ".") {
      std::shared_ptr<Node> base = Lookup(dirfd);
      if (!base) return Status(Code::kIoError, "bad fd", EBADF);
      return NewFd(base);
    }
    if (name.empty() || name == ".." || name.find('/') != std::string::npos) {
      return Status(Code::kIoError, "Invalid cross-device link", EXDEV);
    }
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    if (!S_ISDIR(base->mode)) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    if (S_ISLNK(it->second->mode) && !((flags & O_PATH) && (flags & O_NOFOLLOW))) {
      return Status(Code::kIoError, "Too many levels of symbolic links", ELOOP);
    }
    return OpenAt(dirfd, name, flags | O_NOFOLLOW);
  }

  Result<std::optional<std::string>> GetAclXattr(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->acl;
  }

  Result<std::string> ReadContent(int fd, size_t max) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    std::string out = n->content.substr(0, max + 1);
    if (after_read) after_read(*n);
    return out;
  }

  Result<std::vector<DirEntry>> ReadDirectory(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (!S_ISDIR(n->mode)) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
    std::vector<DirEntry> out;
    for (const auto& [name, child] : n->children) {
      const unsigned char type = S_ISDIR(child->mode)   ? DT_DIR
                                 : S_ISLNK(child->mode) ? DT_LNK
                                 : S_ISREG(child->mode) ? DT_REG
                                                        : DT_UNKNOWN;
      out.push_back({name, type});
    }
    return out;
  }

  Result<std::string> ReadLinkAt(int dirfd, const std::string& name) override {
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    if (!S_ISLNK(it->second->mode))
      return Status(Code::kInvalidArgument, "Invalid argument", EINVAL);
    return it->second->link_target;
  }

  Result<unsigned> InodeFlags(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->flags;
  }

  int beneath_calls = 0;

  Result<Fd> Reopen(int opath_fd, int) override {
    std::shared_ptr<Node> n = Lookup(opath_fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (swap_on_reopen) n = swap_on_reopen;
    return NewFd(n);
  }

  Result<struct stat> Stat(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return ToStat(*n);
  }

  Result<struct stat> StatAt(int dirfd, const std::string& name) override {
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    return ToStat(*it->second);
  }

  Result<std::optional<RawCapXattr>> GetCapXattr(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->xattr;
  }

  Status SetCapXattr(int fd, std::span<const uint8_t> value) override {
    ++set_calls;
    if (no_xattr_support) return Status(Code::kNotSupported, "Operation not supported", ENOTSUP);
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    RawCapXattr raw;
    std::memcpy(raw.data.data(), value.data(), value.size());
    raw.size = value.size();
    n->xattr = raw;
    return Status::Ok();
  }

  Status RemoveCapXattr(int fd) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (!n->xattr) return Status(Code::kIoError, "No data available", ENODATA);
    n->xattr.reset();
    return Status::Ok();
  }

  // Like the kernel: a chown clears the capabilities and the set-user-ID bit.
  Status Chown(int fd, uid_t uid, gid_t gid) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (uid != static_cast<uid_t>(-1)) n->uid = uid;  // -1: unchanged, as fchown(2)
    if (gid != static_cast<gid_t>(-1)) n->gid = gid;
    n->xattr.reset();
    n->mode &= ~static_cast<mode_t>(S_ISUID);
    return Status::Ok();
  }

  Status Chmod(int fd, mode_t mode) override {
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    n->mode = (n->mode & S_IFMT) | (mode & 07777);
    return Status::Ok();
  }

  bool InChildUserNamespace() override { return userns; }
  uid_t OverflowUid() override { return 65534; }
  gid_t OverflowGid() override { return 65534; }

  Node& At(const std::string& path) { return Make(path); }
  /// Unlinks the node at `path` (a package removing its file).
  void Remove(const std::string& path) {
    const size_t slash = path.rfind('/');
    Find(slash == 0 ? "/" : path.substr(0, slash))->children.erase(path.substr(slash + 1));
  }

  /// When set, Reopen returns this node instead (simulates an inode swap).
  std::shared_ptr<Node> swap_on_reopen;
  std::shared_ptr<Node> Shared(const std::string& path) {
    Make(path);
    return Find(path);
  }

 private:
  std::shared_ptr<Node> Find(const std::string& path) {
    std::shared_ptr<Node> cur = root_;
    size_t i = 1;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      cur = cur->children.at(path.substr(i, j - i));
      i = j + 1;
    }
    return cur;
  }

  Node& Make(const std::string& path) {
    std::shared_ptr<Node> cur = root_;
    size_t i = 1;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      auto& child = cur->children[path.substr(i, j - i)];
      if (!child) {
        child = std::make_shared<Node>();
        child->ino = ++next_ino_;
      }
      cur = child;
      i = j + 1;
    }
    return *cur;
  }

  static struct stat ToStat(const Node& n) {
    struct stat st {};
    st.st_mode = n.mode;
    st.st_uid = n.uid;
    st.st_gid = n.gid;
    st.st_nlink = n.nlink;
    st.st_ino = n.ino;
    st.st_dev = 1;
    st.st_size = static_cast<off_t>(n.content.size());
    st.st_mtim.tv_sec = n.mtime;
    st.st_ctim.tv_sec = n.ctime;
    st.st_ctim.tv_nsec = n.ctime_nsec;
    return st;
  }

  Result<Fd> NewFd(std::shared_ptr<Node> n) {
    // Real descriptors (of /dev/null) so that Fd's close() is harmless; the number is the key.
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    open_[fd] = std::move(n);
    return Fd(fd);
  }

  std::shared_ptr<Node> Lookup(int fd) {
    auto it = open_.find(fd);
    return it == open_.end() ? nullptr : it->second;
  }

  std::shared_ptr<Node> root_ = std::make_shared<Node>();
  std::map<int, std::shared_ptr<Node>> open_;
  ino_t next_ino_ = 1;
};

}  // namespace capset::testing
