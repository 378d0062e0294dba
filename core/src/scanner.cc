// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/status.h"
#include "capset/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "capset/fd.h"
#include "sys/dir_scan_ops.h"

namespace capset {
namespace {

using Kind = ScanRecord::Kind;

// nftw(3) reports a directory as "/a/b" and its entries as "/a/b/name"; trailing slashes of a
// root are dropped (but "/" stays "/").
std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

std::string ChildPath(const std::string& dir, const char* name) {
  std::string path;
  path.reserve(dir.size() + 1 + std::strlen(name));
  path = dir;
  if (path != "/") path += '/';
  path += name;
  return path;
}

ScanRecord ErrorRecord(std::string path, const Status& st) {
  ScanRecord r;
  r.kind = Kind::kError;
  r.error = st;
  r.path = std::move(path);
  return r;
}

ScanRecord SimpleRecord(Kind kind, std::string path) {
  ScanRecord r;
  r.kind = kind;
  r.path = std::move(path);
  return r;
}

// Turns the result of an xattr read into a record; nullopt = nothing to report.
std::optional<ScanRecord> XattrRecord(std::string path, ssize_t n, const uint8_t* buf,
                                      bool list_all) {
  if (n == -ENODATA) {
    if (!list_all) return std::nullopt;
    return SimpleRecord(Kind::kNoCaps, std::move(path));
  }
  if (n < 0) {
    const int err = static_cast<int>(-n);
    Status st = err == ERANGE ? Status(Code::kCorrupt,
                                       "malformed security.capability (larger than 24 bytes)", err)
                              : FromErrno(err);
    return ErrorRecord(
        path,
        Status(st.code(), "Failed to get capabilities of '" + path + "': " + st.message(), err));
  }
  Result<VfsCap> decoded = DecodeVfsCap({buf, static_cast<size_t>(n)});
  if (!decoded.ok()) return ErrorRecord(path, decoded.status().WithPrefix("'" + path + "'"));
  ScanRecord r;
  r.kind = Kind::kCaps;
  r.caps = *decoded;
  r.path = std::move(path);
  return r;
}

// One directory of a recursive walk. A worker fills `items` in directory order; the printer
// waits for `done`, then emits items, descending into child nodes in place.
//
// Memory stays linear in the depth of the tree (issue 12: 30,000 levels, which any user can
// create in seconds, once took 896 MB, and 75,000 crashed the emitter's recursion): a node
// keeps its own name and a pointer to its parent node, not its full path, which is built only
// for a record that needs it; and the emitter walks the tree with its own stack.
struct Node {
  struct Item {
    std::unique_ptr<Node> child;  // set: a subdirectory; else `record`
    ScanRecord record;
  };

  std::shared_ptr<Fd> parent;  // directory to open `name` in; null for a root
  const Node* up = nullptr;    // the parent node (alive until this one is emitted)
  std::string name;            // a root: its path as given
  std::vector<Item> items;
  std::atomic<bool> done{false};
};

// The node's path as nftw would show it, built from the names up to the root.
std::string PathOf(const Node* node) {
  size_t size = 0;
  std::vector<const Node*> chain;
  for (const Node* n = node; n; n = n->up) chain.push_back(n), size += n->name.size() + 1;
  std::string path;
  path.reserve(size);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (it != chain.rbegin() && path != "/") path += '/';
    path += (*it)->name;
  }
  return path;
}

class TreeWalker {
 public:
  TreeWalker(const ScanOptions& options, dev_t root_dev) : options_(options), root_dev_(root_dev) {}

  void Run(Node* root, const ScanSink& sink) {
    unsigned n = options_.threads ? options_.threads : std::thread::hardware_concurrency();
    n = std::clamp(n, 1u, 64u);
    Push(root);
    std::vector<std::thread> workers;
    workers.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      try {
        workers.emplace_back([this] { WorkerLoop(); });
      } catch (const std::system_error&) {
        break;  // as many workers as the system gives (std::terminate otherwise)
      }
    }
    // No worker at all: the calling thread reads the whole tree itself first.
    if (workers.empty()) DrainSerially();
    Emit(root, sink);
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers) t.join();
  }

 private:
  void Push(Node* node) {
    {
      std::lock_guard lock(mu_);
      stack_.push_back(node);
      ++pending_;
    }
    cv_.notify_one();
  }

  void DrainSerially() {
    std::vector<uint8_t> buf(size_t{64} * 1024);
    for (;;) {
      Node* node = nullptr;
      {
        std::lock_guard lock(mu_);
        if (stack_.empty()) return;
        node = stack_.back();
        stack_.pop_back();
      }
      ReadDirectory(node, buf);
      Finish(node);
    }
  }

  void WorkerLoop() {
    std::vector<uint8_t> buf(size_t{64} * 1024);
    for (;;) {
      Node* node = nullptr;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !stack_.empty(); });
        if (stack_.empty()) return;
        // LIFO: depth first, so few directory descriptors stay open at once.
        node = stack_.back();
        stack_.pop_back();
      }
      ReadDirectory(node, buf);
      Finish(node);
    }
  }

  // Waking the emitting thread for every directory would cost two system calls per directory,
  // as much as reading it. It is woken once per kWakeBatch directories, and when the walk
  // runs out of queued work (so it never sleeps on a node that is already done).
  static constexpr unsigned kWakeBatch = 64;

  void Finish(Node* node) {
    node->parent.reset();
    node->done.store(true, std::memory_order_release);
    const unsigned finished = finished_.fetch_add(1, std::memory_order_relaxed) + 1;
    bool idle = false;
    {
      std::lock_guard lock(mu_);
      idle = --pending_ == 0 || stack_.empty();
    }
    if (finished % kWakeBatch == 0 || idle) {
      std::lock_guard lock(emit_mu_);
      emit_cv_.notify_one();
    }
  }

  void WaitDone(Node* node) {
    if (node->done.load(std::memory_order_acquire)) return;
    std::unique_lock lock(emit_mu_);
    emit_cv_.wait(lock, [node] { return node->done.load(std::memory_order_acquire); });
  }

  // Delivers the records of `root`'s subtree in pre-order, freeing each subtree once emitted.
  // An explicit stack, not recursion: the tree may be as deep as any user likes.
  void Emit(Node* root, const ScanSink& sink) {
    struct Frame {
      Node* node;
      size_t next = 0;
    };
    std::vector<Frame> stack;
    WaitDone(root);
    stack.push_back({root});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next == f.node->items.size()) {
        f.node->items.clear();
        stack.pop_back();
        // The child just finished is freed with an empty item list: no recursive destructor.
        if (!stack.empty()) stack.back().node->items[stack.back().next - 1].child.reset();
        continue;
      }
      Node::Item& item = f.node->items[f.next++];
      if (item.child) {
        Node* child = item.child.get();
        WaitDone(child);
        stack.push_back({child});  // invalidates f
      } else {
        sink(item.record);
      }
    }
  }

  void ReadDirectory(Node* node, std::vector<uint8_t>& buf) {
    const int at = node->parent ? node->parent->get() : AT_FDCWD;
    const std::string& name = node->name;
    const int opened = sys::OpenDirectoryAt(at, name.c_str());
    auto dir = std::make_shared<Fd>(opened);
    const int open_errno = opened < 0 ? -opened : 0;
    node->parent.reset();

    if (dir->valid() && options_.one_file_system) {
      struct stat st {};
      if (sys::StatFd(dir->get(), &st) == 0 && st.st_dev != root_dev_) return;  // another fs
    }
    if (options_.list_all) Add(node, SimpleRecord(Kind::kNotRegular, PathOf(node)));
    if (!dir->valid()) {
      const std::string path = PathOf(node);
      Add(node, ErrorRecord(path, FromErrno(open_errno, "open directory", path)));
      return;
    }

    uint8_t xattr[kVfsCapMaxSize];
    for (;;) {
      const ssize_t n = sys::GetDents(dir->get(), buf.data(), buf.size());
      if (n == 0) break;
      if (n < 0) {
        const std::string path = PathOf(node);
        Add(node, ErrorRecord(path, FromErrno(static_cast<int>(-n), "read directory", path)));
        break;
      }
      for (ssize_t off = 0; off < n;) {
        const auto* d = reinterpret_cast<const sys::Dirent64*>(buf.data() + off);
        off += d->d_reclen;
        const char* entry = d->d_name;
        if (entry[0] == '.' && (entry[1] == '\0' || (entry[1] == '.' && entry[2] == '\0'))) {
          continue;
        }
        unsigned char type = d->d_type;
        if (type == DT_UNKNOWN || options_.one_file_system) {
          struct stat st {};
          if (const int r = sys::StatAtNoFollow(dir->get(), entry, &st); r != 0) {
            const std::string path = ChildPath(PathOf(node), entry);
            Add(node, ErrorRecord(path, FromErrno(-r, "stat", path)));
            continue;
          }
          if (options_.one_file_system && st.st_dev != root_dev_) continue;
          type = static_cast<unsigned char>(IFTODT(st.st_mode));
        }
        if (type == DT_DIR) {
          auto child = std::make_unique<Node>();
          child->parent = dir;
          child->name = entry;
          child->up = node;
          Node* raw = child.get();
          node->items.push_back({std::move(child), {}});
          Push(raw);
        } else if (type == DT_LNK) {
          if (options_.list_all)
            Add(node, SimpleRecord(Kind::kNotRegular, ChildPath(PathOf(node), entry)));
        } else {
          // Build the full path only when it is needed: for output, or the old-kernel fallback.
          std::string full;
          const ssize_t got = sys::GetCapXattrAt(dir->get(), entry, xattr, sizeof xattr);
          ssize_t result = got;
          if (got == -ENOSYS) {
            full = ChildPath(PathOf(node), entry);
            result = sys::GetCapXattrPath(full.c_str(), xattr, sizeof xattr);
          }
          if (result == -ENODATA && !options_.list_all) continue;
          if (full.empty()) full = ChildPath(PathOf(node), entry);
          if (auto rec = XattrRecord(std::move(full), result, xattr, options_.list_all)) {
            Add(node, std::move(*rec));
          }
        }
      }
    }
  }

  static void Add(Node* node, ScanRecord record) {
    node->items.push_back({nullptr, std::move(record)});
  }

  const ScanOptions& options_;
  const dev_t root_dev_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Node*> stack_;
  size_t pending_ = 0;  // queued or being read
  bool stop_ = false;
  std::atomic<unsigned> finished_{0};
  std::mutex emit_mu_;
  std::condition_variable emit_cv_;
};

void ScanOne(const std::string& given, const ScanOptions& options, const ScanSink& sink) {
  const std::string path = options.recursive ? StripTrailingSlashes(given) : given;
  struct stat st {};
  if (const int r = sys::StatPathNoFollow(path.c_str(), &st); r != 0) {
    sink(ErrorRecord(given, FromErrno(-r, "read", given)));
    return;
  }
  if (options.recursive && S_ISDIR(st.st_mode)) {
    Node root;
    root.name = path;
    TreeWalker(options, st.st_dev).Run(&root, sink);
    return;
  }
  // Not recursive, or a recursive root that is not a directory. nftw calls devices and FIFOs
  // files; getcap's own non-recursive check accepts only regular files.
  const bool candidate = options.recursive ? !S_ISLNK(st.st_mode) : S_ISREG(st.st_mode);
  if (!candidate) {
    if (options.list_all) sink(SimpleRecord(Kind::kNotRegular, path));
    return;
  }
  uint8_t xattr[kVfsCapMaxSize];
  const ssize_t n = sys::GetCapXattrPath(path.c_str(), xattr, sizeof xattr);
  if (auto rec = XattrRecord(path, n, xattr, options.list_all)) sink(*rec);
}

}  // namespace

void Scan(const std::vector<std::string>& roots, const ScanOptions& options, const ScanSink& sink) {
  // Lots of directories may wait with their parent open: descriptors must be no limit.
  if (options.recursive) sys::RaiseFileLimit();
  for (const auto& root : roots) ScanOne(root, options, sink);
}

}  // namespace capset
