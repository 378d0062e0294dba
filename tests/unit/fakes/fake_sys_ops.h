// SPDX-License-Identifier: LGPL-2.1-or-later
// FakeSysOps: an in-memory filesystem behind the SysOps seam, for unit tests of the safe
// walk's rules, the loaders and the record store without root. Paths are created with Add*;
// descriptors index opened nodes. `inject` fails any operation by name (the fault injection
// of fault_injection_test.cc).
#pragma once

#include <dirent.h>
#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
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

  /// Called with the operation's name ("CreateAt", "WriteAll", ...) before each operation; a
  /// Status returned makes the operation fail with it, changing nothing.
  std::function<std::optional<Status>(std::string_view op)> inject;

  uid_t euid = 0;
  timespec now{1000000, 0};
  unsigned slept_ms = 0;
  int syncs = 0;
  std::map<std::string, UserEntry> users;
  std::map<std::string, gid_t> groups;
  std::map<std::string, std::vector<std::string>> group_names;

  bool userns = false;
  bool no_xattr_support = false;
  std::atomic<int> set_calls = 0;  // atomic: ProcessFilePolicy calls from its threads
  /// Called after ReadContent with the node read (a writer changing the file meanwhile).
  std::function<void(Node&)> after_read;
  /// ReadContentPieces hands the content over in pieces of this many bytes (0: all at once).
  size_t piece_size = 0;

  Result<Fd> OpenAt(int dirfd, const std::string& name, int flags) override {
    if (std::optional<Status> f = Inject("OpenAt")) return *f;
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
    if (std::optional<Status> f = Inject("OpenBeneath")) return *f;
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
    if (!(flags & O_PATH) && !S_ISDIR(it->second->mode)) {
      // Anything but a directory opened to be read (as Reopen does after an O_PATH open).
      if (std::optional<Status> f = Inject("OpenReadable")) return *f;
      if (S_ISREG(it->second->mode)) {
        if (unreadable) return Status(Code::kPermissionDenied, "Permission denied", EACCES);
        if (swap_on_reopen) return NewFd(swap_on_reopen);
      }
    }
    return OpenAt(dirfd, name, flags | O_NOFOLLOW);
  }

  Result<std::optional<std::string>> GetAclXattr(int fd) override {
    if (std::optional<Status> f = Inject("GetAclXattr")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->acl;
  }

  Result<std::string> ReadContent(int fd, size_t max) override {
    if (std::optional<Status> f = Inject("ReadContent")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    std::string out = n->content.substr(0, max + 1);
    if (after_read) after_read(*n);
    return out;
  }

  Result<size_t> ReadContentPieces(int fd, size_t max,
                                   const std::function<void(std::string_view)>& piece) override {
    CAPSET_ASSIGN_OR_RETURN(std::string all, ReadContent(fd, max));
    const size_t step = piece_size == 0 ? all.size() : piece_size;
    for (size_t at = 0; at < all.size(); at += step) piece(std::string_view(all).substr(at, step));
    return all.size();
  }

  Result<std::vector<DirEntry>> ReadDirectory(int fd) override {
    if (std::optional<Status> f = Inject("ReadDirectory")) return *f;
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
    if (std::optional<Status> f = Inject("ReadLinkAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    if (!S_ISLNK(it->second->mode))
      return Status(Code::kInvalidArgument, "Invalid argument", EINVAL);
    return it->second->link_target;
  }

  Result<unsigned> InodeFlags(int fd) override {
    if (std::optional<Status> f = Inject("InodeFlags")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->flags;
  }

  std::atomic<int> beneath_calls = 0;

  Result<Fd> Reopen(int opath_fd, int) override {
    if (std::optional<Status> f = Inject("Reopen")) return *f;
    std::shared_ptr<Node> n = Lookup(opath_fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (swap_on_reopen) n = swap_on_reopen;
    return NewFd(n);
  }

  Result<struct stat> Stat(int fd) override {
    if (std::optional<Status> f = Inject("Stat")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return ToStat(*n);
  }

  Result<struct stat> StatAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("StatAt")) return *f;
    if (name.find('/') != std::string::npos) return StatPath(dirfd, name);
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    return ToStat(*it->second);
  }

  // fstatat(2) of a path of several components (StatWatch's), none of them followed.
  Result<struct stat> StatPath(int dirfd, const std::string& path) {
    std::shared_ptr<Node> n = path[0] == '/' || dirfd == AT_FDCWD ? root_ : Lookup(dirfd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    size_t i = 0;
    while (i < path.size()) {
      const size_t slash = path.find('/', i);
      const std::string part = path.substr(i, slash == std::string::npos ? slash : slash - i);
      i = slash == std::string::npos ? path.size() : slash + 1;
      if (part.empty() || part == ".") continue;
      if (!S_ISDIR(n->mode)) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
      auto it = n->children.find(part);
      if (it == n->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
      n = it->second;
    }
    return ToStat(*n);
  }

  // The by-name reads of a trusted directory's files (file_policy.cc's AlreadyAsWanted).
  Result<std::optional<RawCapXattr>> GetCapXattrAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("GetCapXattrAt")) return *f;
    Result<std::shared_ptr<Node>> n = Child(dirfd, name);
    if (!n.ok()) return n.status();
    return (*n)->xattr;
  }

  Result<std::optional<std::string>> GetAclXattrAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("GetAclXattrAt")) return *f;
    Result<std::shared_ptr<Node>> n = Child(dirfd, name);
    if (!n.ok()) return n.status();
    return (*n)->acl;
  }

  Result<bool> CanReadAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("CanReadAt")) return *f;
    Result<std::shared_ptr<Node>> n = Child(dirfd, name);
    if (!n.ok()) return n.status();
    return !unreadable;
  }

  /// CanReadAt says no, and a regular file opened by name to be read fails with EACCES (a
  /// 0711 file for a process without root).
  bool unreadable = false;

  Result<std::optional<RawCapXattr>> GetCapXattr(int fd) override {
    if (std::optional<Status> f = Inject("GetCapXattr")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return n->xattr;
  }

  Status SetCapXattr(int fd, std::span<const uint8_t> value) override {
    if (std::optional<Status> f = Inject("SetCapXattr")) return *f;
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
    if (std::optional<Status> f = Inject("RemoveCapXattr")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (!n->xattr) return Status(Code::kIoError, "No data available", ENODATA);
    n->xattr.reset();
    return Status::Ok();
  }

  // Like the kernel: a chown clears the capabilities and the set-user-ID bit.
  Status Chown(int fd, uid_t uid, gid_t gid) override {
    if (std::optional<Status> f = Inject("Chown")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (uid != static_cast<uid_t>(-1)) n->uid = uid;  // -1: unchanged, as fchown(2)
    if (gid != static_cast<gid_t>(-1)) n->gid = gid;
    n->xattr.reset();
    n->mode &= ~static_cast<mode_t>(S_ISUID);
    return Status::Ok();
  }

  Status Chmod(int fd, mode_t mode) override {
    if (std::optional<Status> f = Inject("Chmod")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    n->mode = (n->mode & S_IFMT) | (mode & 07777);
    return Status::Ok();
  }

  Result<Fd> CreateAt(int dirfd, const std::string& name, int flags, mode_t mode) override {
    if (std::optional<Status> f = Inject("CreateAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    if (!S_ISDIR(base->mode)) return Status(Code::kNotFound, "Not a directory", ENOTDIR);
    auto it = base->children.find(name);
    if (it != base->children.end()) {
      if (flags & O_EXCL) return Status(Code::kIoError, "File exists", EEXIST);
      return OpenAt(dirfd, name, flags);
    }
    auto n = std::make_shared<Node>();
    n->ino = ++next_ino_;
    n->mode = S_IFREG | (mode & 07777);
    n->uid = euid;
    n->ctime = n->mtime = now.tv_sec;
    base->children[name] = n;
    return NewFd(n);
  }

  Status MkdirAt(int dirfd, const std::string& name, mode_t mode) override {
    if (std::optional<Status> f = Inject("MkdirAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    if (base->children.count(name)) return Status(Code::kIoError, "File exists", EEXIST);
    auto n = std::make_shared<Node>();
    n->ino = ++next_ino_;
    n->mode = S_IFDIR | (mode & 07777);
    n->uid = euid;
    base->children[name] = n;
    return Status::Ok();
  }

  Status RenameAt(int dirfd, const std::string& from, const std::string& to) override {
    if (std::optional<Status> f = Inject("RenameAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(from);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    std::shared_ptr<Node> n = it->second;
    base->children.erase(it);
    base->children[to] = n;
    return Status::Ok();
  }

  Status UnlinkAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("UnlinkAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    if (!base->children.erase(name)) return Status(Code::kNotFound, "No such file", ENOENT);
    return Status::Ok();
  }

  Status RemoveDirAt(int dirfd, const std::string& name) override {
    if (std::optional<Status> f = Inject("RemoveDirAt")) return *f;
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    if (!it->second->children.empty())
      return Status(Code::kIoError, "Directory not empty", ENOTEMPTY);
    base->children.erase(it);
    return Status::Ok();
  }

  Status WriteAll(int fd, std::string_view data) override {
    if (std::optional<Status> f = Inject("WriteAll")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    n->content.append(data);
    n->ctime = n->mtime = now.tv_sec;
    return Status::Ok();
  }

  Status Sync(int fd) override {
    if (std::optional<Status> f = Inject("Sync")) return *f;
    if (!Lookup(fd)) return Status(Code::kIoError, "bad fd", EBADF);
    ++syncs;
    return Status::Ok();
  }

  Result<Fd> Dup(int fd) override {
    if (std::optional<Status> f = Inject("Dup")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    return NewFd(n);
  }

  // flock(2) on the node, held by the descriptor while it is open.
  Status TryLockExclusive(int fd) override {
    if (std::optional<Status> f = Inject("TryLockExclusive")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (LockedByOther(n.get(), fd)) {
      return Status(Code::kIoError, "Resource temporarily unavailable", EWOULDBLOCK);
    }
    std::erase_if(locks_, [&](const auto& lock) { return lock.first == n.get(); });
    locks_.emplace_back(n.get(), fd);
    return Status::Ok();
  }

  // Whether a descriptor other than `fd`, still open, holds `n`'s exclusive lock.
  bool LockedByOther(const Node* n, int fd) const {
    for (const auto& [node, holder] : locks_) {
      if (node == n && holder != fd && ::fcntl(holder, F_GETFD) != -1) return true;
    }
    return false;
  }

  // Fails while another open descriptor holds the node's exclusive lock. The shared lock itself
  // is not kept: the fake's only user takes it to look, and lets go at once.
  Status TryLockShared(int fd) override {
    if (std::optional<Status> f = Inject("TryLockShared")) return *f;
    std::shared_ptr<Node> n = Lookup(fd);
    if (!n) return Status(Code::kIoError, "bad fd", EBADF);
    if (LockedByOther(n.get(), fd)) {
      return Status(Code::kIoError, "Resource temporarily unavailable", EWOULDBLOCK);
    }
    return Status::Ok();
  }

  Result<std::string> CurrentDirectory() override {
    if (std::optional<Status> f = Inject("CurrentDirectory")) return *f;
    return std::string("/");
  }
  uid_t EffectiveUid() override { return euid; }
  timespec Now() override { return now; }
  void SleepMs(unsigned ms) override { slept_ms += ms; }

  Result<std::optional<UserEntry>> LookupUser(const std::string& name) override {
    if (std::optional<Status> f = Inject("LookupUser")) return *f;
    auto it = users.find(name);
    if (it == users.end()) return std::optional<UserEntry>();
    return std::optional<UserEntry>(it->second);
  }
  Result<std::optional<gid_t>> LookupGroup(const std::string& name) override {
    if (std::optional<Status> f = Inject("LookupGroup")) return *f;
    auto it = groups.find(name);
    if (it == groups.end()) return std::optional<gid_t>();
    return std::optional<gid_t>(it->second);
  }
  Result<std::vector<std::string>> GroupNamesOf(const std::string& user, gid_t) override {
    if (std::optional<Status> f = Inject("GroupNamesOf")) return *f;
    auto it = group_names.find(user);
    return it == group_names.end() ? std::vector<std::string>() : it->second;
  }

  /// Whether `path` exists.
  bool Exists(const std::string& path) {
    std::shared_ptr<Node> cur = root_;
    size_t i = 1;
    while (i < path.size()) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      auto it = cur->children.find(path.substr(i, j - i));
      if (it == cur->children.end()) return false;
      cur = it->second;
      i = j + 1;
    }
    return true;
  }
  /// The names in the directory `path`.
  std::vector<std::string> Names(const std::string& path) {
    std::vector<std::string> out;
    for (const auto& [name, child] : Find(path)->children) out.push_back(name);
    return out;
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

  /// When set, Reopen, and an open of a regular file by name to be read, return this node
  /// instead (simulates an inode swap between the stat and the open).
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
    // The policy loader reads files on several threads: the table is theirs to share.
    std::lock_guard<std::mutex> lock(fds_mu_);
    open_[fd] = std::move(n);
    // A number used again: the descriptor that held a lock under it was closed.
    std::erase_if(locks_, [fd](const auto& l) { return l.second == fd; });
    return Fd(fd);
  }

  std::optional<Status> Inject(std::string_view op) {
    if (!inject) return std::nullopt;
    return inject(op);
  }

  Result<std::shared_ptr<Node>> Child(int dirfd, const std::string& name) {
    std::shared_ptr<Node> base = Lookup(dirfd);
    if (!base) return Status(Code::kIoError, "bad fd", EBADF);
    auto it = base->children.find(name);
    if (it == base->children.end()) return Status(Code::kNotFound, "No such file", ENOENT);
    return it->second;
  }

  std::shared_ptr<Node> Lookup(int fd) {
    std::lock_guard<std::mutex> lock(fds_mu_);
    auto it = open_.find(fd);
    return it == open_.end() ? nullptr : it->second;
  }

  std::shared_ptr<Node> root_ = std::make_shared<Node>();
  std::mutex fds_mu_;  ///< guards open_ (Lock(), single-threaded in tests, uses locks_ alone)
  std::map<int, std::shared_ptr<Node>> open_;
  std::vector<std::pair<const Node*, int>> locks_;  ///< node, descriptor holding its flock
  ino_t next_ino_ = 1;
};

}  // namespace capset::testing
