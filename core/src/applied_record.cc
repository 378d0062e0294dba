// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/applied_record.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <vector>

#include "capset/file_policy.h"
#include "capset/json_string.h"
#include "capset/policy_loader.h"
#include "capset/safe_path.h"
#include "capset/sys_ops.h"
#include "capset/trusted_file.h"
#include "replace_file.h"

namespace capset {
namespace {

using nlohmann::json;

constexpr int kVersion = 1;

// The user besides root who may own the record's directory and files: whoever runs us (capsetd
// itself), or, for root, the user capsetd (systemd's StateDirectory= gives the directory to
// the service's user). Nobody else.
std::optional<uid_t> RecordOwner(SysOps& sys, const std::string& root) {
  if (sys.EffectiveUid() != 0) return sys.EffectiveUid();
  Result<uid_t> capsetd = IdResolver(sys, root).User("capsetd");
  return capsetd.ok() ? std::optional<uid_t>(*capsetd) : std::nullopt;
}

// Opens ROOT/var/lib/capset one directory at a time below `base` (the kernel keeps each step
// inside the root), creating what is missing (0755) when `create`. Fd-less SafeDir, Ok: it
// does not exist and was not to be created.
Result<SafeDir> OpenRecordDirectory(SysOps& sys, const SafeDir& base,
                                    const std::optional<uid_t>& owner, bool create) {
  const std::vector<std::string> parts = {"var", "lib", "capset"};
  SafeOpenOptions walk;
  SafeDir cur;
  const SafeDir* parent = &base;
  SafeDir next;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    walk.rule = last ? TrustRule{owner} : TrustRule{};
    for (int attempt = 0;; ++attempt) {
      Result<SafeDir> dir = OpenDirectoryBelow(sys, *parent, "/" + parts[i], walk);
      if (dir.ok()) {
        next = std::move(dir).value();
        break;
      }
      if (dir.status().code() != Code::kNotFound || attempt > 0) {
        if (last && dir.status().code() == Code::kUnsafe) {
          return Status(Code::kUnsafe, "Refusing the record directory: " + dir.status().message() +
                                           " (it must belong to root or capsetd)");
        }
        return dir.status();
      }
      if (!create) return SafeDir{};
      if (Status st = sys.MkdirAt(parent->fd.get(), parts[i], 0755);
          !st.ok() && st.sys_errno() != EEXIST) {
        return FromErrno(st.sys_errno(), "create the directory",
                         RootedPath(parent->path, "/" + parts[i]));
      }
    }
    cur = std::move(next);
    parent = &cur;
  }
  return cur;
}

}  // namespace

std::string AppliedFile::SourceFile() const {
  std::string file = source;
  for (int i = 0; i < 2; ++i) {
    const size_t colon = file.rfind(':');
    if (colon == std::string::npos || colon + 1 == file.size() ||
        file.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return source;
    }
    file.resize(colon);
  }
  return file;
}

std::string AppliedRecord::ToJson() const {
  // Written out directly, in the layout json::dump(1) gives the same document (keys sorted):
  // a tree of 10,000 entries built only to be serialized cost more than the writes it records.
  // Every string goes through nlohmann's escaping, which never throws (a byte that is not
  // UTF-8 is replaced; recorded paths come from YAML, which is UTF-8).
  // Appended piece by piece to one string: no temporary per field.
  std::string out = "{\n \"files\": [";
  out.reserve(out.size() + files.size() * 192);
  const char* sep = "\n";
  for (const auto& [path, f] : files) {
    out += sep;
    sep = ",\n";
    out += "  {\n   \"caps\": ";
    AppendJsonString(out, f.caps);
    out += ",\n   \"package\": ";
    AppendJsonString(out, f.package);
    out += ",\n   \"path\": ";
    AppendJsonString(out, f.path);
    out += f.setuid ? ",\n   \"setuid\": true" : ",\n   \"setuid\": false";
    out += ",\n   \"source\": ";
    AppendJsonString(out, f.source);
    out += "\n  }";
  }
  out += files.empty() ? "]" : "\n ]";
  out += ",\n \"version\": " + std::to_string(kVersion) + "\n}\n";
  return out;
}

namespace {

// The record read as a stream of JSON events into its entries, without a JSON tree: a
// 10,000-entry record made 100,000 tree nodes and strings only to copy them out again (a
// no-op apply spent a fifth of its time there). What is found is judged afterwards in the
// order a reader of the whole document would (shape, version, files, then each entry), and a
// syntax error anywhere wins over all of it. A key given twice counts once, the last.
// NOLINTNEXTLINE(bugprone-exception-escape): its destructor frees strings and a json scalar
class RecordReader : public nlohmann::json_sax<json> {
 public:
  enum class Field : unsigned char { kAbsent, kOk, kWrongType };
  struct Item {
    bool object = false;
    Field path = Field::kAbsent, caps = Field::kAbsent, package = Field::kAbsent,
          source = Field::kAbsent, setuid = Field::kAbsent;
    AppliedFile file;
    bool Complete() const {
      return object && path == Field::kOk && caps == Field::kOk && package == Field::kOk &&
             source == Field::kOk && setuid == Field::kOk;
    }
  };

  bool root_object = false, has_version = false, has_files = false, files_array = false;
  json version;
  std::vector<Item> items;

  bool null() override { return Scalar(json(nullptr)); }
  bool boolean(bool v) override {
    if (skip_ == 0 && depth_ == 3 && key_ == "setuid") {
      items.back().setuid = Field::kOk;
      items.back().file.setuid = v;
      return true;
    }
    return Scalar(json(v));
  }
  bool number_integer(number_integer_t v) override { return Scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return Scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return Scalar(json(v)); }
  bool binary(binary_t&) override { return Scalar(json(nullptr)); }
  bool string(string_t& v) override {
    if (skip_ == 0 && depth_ == 3) {
      if (std::string* out = StringField()) {
        *out = std::move(v);
        return true;
      }
    }
    return Scalar(json(std::move(v)));
  }
  bool start_object(std::size_t) override { return Start(true); }
  bool start_array(std::size_t) override { return Start(false); }
  bool end_object() override { return End(); }
  bool end_array() override { return End(); }
  bool key(string_t& k) override {
    if (skip_ == 0) key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    syntax_error = true;
    return false;
  }
  bool syntax_error = false;

 private:
  // The item field a string or boolean at depth 3 fills, after marking its type.
  std::string* StringField() {
    Item& it = items.back();
    if (key_ == "path") return it.path = Field::kOk, &it.file.path;
    if (key_ == "caps") return it.caps = Field::kOk, &it.file.caps;
    if (key_ == "package") return it.package = Field::kOk, &it.file.package;
    if (key_ == "source") return it.source = Field::kOk, &it.file.source;
    if (key_ == "setuid") it.setuid = Field::kWrongType;
    return nullptr;
  }

  // A value of the wrong type (or any value nothing reads) where `depth_` says it is.
  void Misplaced(bool structure) {
    if (depth_ == 0) {
      root_object = false;
    } else if (depth_ == 1 && key_ == "version") {
      has_version = true;
      if (structure) version = json::object();
    } else if (depth_ == 1 && key_ == "files") {
      has_files = true;
      files_array = false;
    } else if (depth_ == 2) {
      items.emplace_back();  // not an object
    } else if (depth_ == 3) {
      Item& it = items.back();
      for (auto [name, field] : {std::pair{"path", &it.path},
                                 {"caps", &it.caps},
                                 {"package", &it.package},
                                 {"source", &it.source},
                                 {"setuid", &it.setuid}}) {
        if (key_ == name) *field = Field::kWrongType;
      }
    }
  }

  bool Scalar(json v) {
    if (skip_ > 0) return true;
    if (depth_ == 1 && key_ == "version") {
      has_version = true;
      version = std::move(v);
      return true;
    }
    Misplaced(false);
    return true;
  }

  bool Start(bool object) {
    if (skip_ > 0) return ++skip_, true;
    const bool wanted = (depth_ == 0 && object) || (depth_ == 1 && key_ == "files" && !object) ||
                        (depth_ == 2 && object);
    if (!wanted) {
      Misplaced(true);
      skip_ = 1;
      return true;
    }
    if (depth_ == 0) {
      root_object = true;
    } else if (depth_ == 1) {
      has_files = true;
      files_array = true;
      items.clear();  // a second "files" replaces the first
    } else {
      items.emplace_back().object = true;
    }
    ++depth_;
    key_.clear();
    return true;
  }

  bool End() {
    if (skip_ > 0) return --skip_, true;
    --depth_;
    key_.clear();  // the next value in an object comes with its key
    return true;
  }

  int depth_ = 0;  // 1: the top object, 2: "files", 3: an entry
  int skip_ = 0;   // > 0: inside a value nothing reads
  std::string key_;
};

}  // namespace

Result<AppliedRecord> AppliedRecord::FromJson(const std::string& text, const std::string& origin) {
  auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, "'" + origin + "': " + why);
  };
  RecordReader in;
  if (!json::sax_parse(text, &in) || in.syntax_error) return bad("not valid JSON");
  if (!in.root_object || !in.has_version || !in.has_files) {
    return bad("expected an object with \"version\" and \"files\"");
  }
  if (in.version != kVersion) {
    return bad("version " + in.version.dump() + " is not one this capset understands (1)");
  }
  if (!in.files_array) return bad("\"files\" must be an array");
  AppliedRecord record;
  size_t index = 0;
  for (RecordReader::Item& item : in.items) {
    const std::string where = "files[" + std::to_string(index++) + "]";
    if (!item.Complete()) {
      return bad(where + ": expected path, caps, package, source (strings) and setuid (boolean)");
    }
    AppliedFile& f = item.file;
    if (f.path.empty() || f.path[0] != '/') return bad(where + ": path must be absolute");
    // SECURITY: a recorded path is resolved inside the root like a policy path; one that
    // climbs out of it makes the whole record suspect.
    if (f.path.find("..") != std::string::npos && !PathBelowRoot(f.path).ok()) {
      return bad(where + ": path '" + f.path + "' must not contain '..'");
    }
    // The record is written sorted: each path goes at the end, in constant time.
    const size_t before = record.files.size();
    auto it = record.files.try_emplace(record.files.end(), f.path);
    if (record.files.size() == before) return bad(where + ": path is listed twice");
    it->second = std::move(f);
  }
  return record;
}

Result<AppliedRecordStore> AppliedRecordStore::Open(SysOps& sys, const std::string& root,
                                                    bool for_update) {
  AppliedRecordStore store(sys);
  store.root_ = root.empty() ? "/" : root;
  const std::string dir_path = RootedPath(root, kDirectory);
  store.path_ = dir_path + "/" + kFileName;
  // The root itself and its ancestors: root's, as for every file capset changes; below it,
  // each directory is opened by the kernel inside the root (safe_path.h).
  CAPSET_ASSIGN_OR_RETURN(SafeDir base, OpenRoot(sys, store.root_, SafeOpenOptions{}));
  store.owner_ = RecordOwner(sys, store.root_);
  CAPSET_ASSIGN_OR_RETURN(SafeDir dir, OpenRecordDirectory(sys, base, store.owner_, for_update));
  if (!dir.fd.valid()) return store;  // nothing recorded yet
  store.dir_ = std::move(dir.fd);
  if (!for_update) return store;
  CAPSET_RETURN_IF_ERROR(store.Lock(dir_path + "/.lock"));
  return store;
}

namespace {

// SECURITY: the writers' lock is taken only on a regular file with one name (a second name
// could be a link its directory's owner made to anything, /etc/shadow included).
Status CheckLockFile(const struct stat& st, const std::string& lock_path) {
  if (!S_ISREG(st.st_mode))
    return Status(Code::kUnsafe, "'" + lock_path + "' is not a regular file");
  if (st.st_nlink != 1) {
    return Status(Code::kUnsafe, "Refusing '" + lock_path + "': it has " +
                                     std::to_string(st.st_nlink) +
                                     " names (hard links); it must be a file of its own");
  }
  return Status::Ok();
}

}  // namespace

Result<bool> AppliedRecordStore::WriterActive(SysOps& sys, const std::string& root) {
  CAPSET_ASSIGN_OR_RETURN(AppliedRecordStore store, Open(sys, root, /*for_update=*/false));
  if (!store.dir_.valid()) return false;
  Result<Fd> lock = sys.OpenAt(store.dir_.get(), ".lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  if (!lock.ok()) {
    if (lock.status().sys_errno() == ENOENT) return false;  // no apply has run here yet
    return true;  // a link or something unopenable: the locking apply says what it is
  }
  const std::string lock_path = RootedPath(root, kDirectory) + "/.lock";
  Result<struct stat> st = sys.Stat(lock->get());
  if (!st.ok() || !CheckLockFile(*st, lock_path).ok()) return true;
  // Shared: two looks do not take each other for a writer; a writer's exclusive try fails
  // only for the moment one lasts, and it tries again.
  const Status locked = sys.TryLockShared(lock->get());
  if (locked.ok()) return false;  // let go as the descriptor closes
  if (locked.sys_errno() == EWOULDBLOCK) return true;
  return FromErrno(locked.sys_errno(), "lock", lock_path);
}

Status AppliedRecordStore::Lock(const std::string& lock_path) {
  // SECURITY: the writers' lock is a file only the directory's owner can open (an
  // unprivileged process holding a lock on the directory itself would stall every package
  // installation). Root creating it in capsetd's directory hands it over to capsetd — a chown
  // done by root in a directory another user owns, so it is made only on the file this call
  // created or found there, never through a link (O_NOFOLLOW), never on a file with a second
  // name (which that user could have linked to anything, /etc/shadow included).
  CAPSET_ASSIGN_OR_RETURN(
      lock_, sys_->CreateAt(dir_.get(), ".lock", O_RDONLY | O_NOFOLLOW | O_NONBLOCK, 0600));
  Result<struct stat> lock_st = sys_->Stat(lock_.get());
  Result<struct stat> dir_st = sys_->Stat(dir_.get());
  if (!lock_st.ok() || !dir_st.ok()) {
    return FromErrno((lock_st.ok() ? dir_st : lock_st).status().sys_errno(), "stat", lock_path);
  }
  CAPSET_RETURN_IF_ERROR(CheckLockFile(*lock_st, lock_path));
  if (lock_st->st_uid != dir_st->st_uid && sys_->EffectiveUid() == 0) {
    if (Status st = sys_->Chown(lock_.get(), dir_st->st_uid, dir_st->st_gid); !st.ok()) {
      return FromErrno(st.sys_errno(), "chown", lock_path);
    }
  }
  // Bounded: capsetd serves one call at a time and must not hang behind a stopped apply.
  for (int waited_ms = 0;; waited_ms += 50) {
    const Status st = sys_->TryLockExclusive(lock_.get());
    if (st.ok()) return Status::Ok();
    if (st.sys_errno() != EWOULDBLOCK && st.sys_errno() != EINTR) {
      return FromErrno(st.sys_errno(), "lock", lock_path);
    }
    if (waited_ms >= kLockTimeoutMs) {
      return Status(Code::kIoError, "another apply has held '" + lock_path + "' for " +
                                        std::to_string(kLockTimeoutMs / 1000) + " s");
    }
    sys_->SleepMs(50);
  }
}

Result<AppliedRecord> AppliedRecordStore::Load() const {
  if (!dir_.valid()) return AppliedRecord{};
  TrustedReadOptions read;
  read.max_bytes = kMaxBytes;
  read.rule = TrustRule{owner_};
  Result<Fd> copy = sys_->Dup(dir_.get());
  if (!copy.ok()) return FromErrno(copy.status().sys_errno(), "dup", path_);
  const SafeDir dir{std::move(copy).value(), RootedPath(root_, kDirectory), std::nullopt};
  // SECURITY: the record is a file capset takes authority from (what to take away): the trust
  // rule, no symbolic link, one consistent snapshot.
  Result<TrustedText> text = ReadTrustedFileAt(*sys_, dir, kFileName, path_, read);
  if (!text.ok() && text.status().code() == Code::kNotFound) return AppliedRecord{};
  if (!text.ok()) return text.status();
  return AppliedRecord::FromJson(text->text, path_);
}

Status AppliedRecordStore::Save(const AppliedRecord& record) const {
  if (!lock_.valid()) {
    return Status(Code::kInvalidArgument, "'" + path_ + "' was not opened for update");
  }
  // Readable by everyone, whatever the umask (capsetd runs with 0077): what has capabilities
  // is no secret, getcap shows it too. Durable: package installs rely on it.
  return ReplaceFileAt(*sys_, dir_.get(), kFileName, record.ToJson(), 0644, /*durable=*/true,
                       path_);
}

}  // namespace capset
