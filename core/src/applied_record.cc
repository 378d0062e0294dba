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
  json list = json::array();
  for (const auto& [path, f] : files) {
    list.push_back({{"path", f.path},
                    {"caps", f.caps},
                    {"setuid", f.setuid},
                    {"package", f.package},
                    {"source", f.source}});
  }
  json doc = {{"version", kVersion}, {"files", std::move(list)}};
  // Never throws: recorded paths come from YAML (UTF-8); anything else would be replaced.
  return doc.dump(1, ' ', false, json::error_handler_t::replace) + "\n";
}

Result<AppliedRecord> AppliedRecord::FromJson(const std::string& text, const std::string& origin) {
  auto bad = [&](const std::string& why) {
    return Status(Code::kInvalidArgument, "'" + origin + "': " + why);
  };
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return bad("not valid JSON");
  if (!doc.is_object() || !doc.contains("version") || !doc.contains("files")) {
    return bad("expected an object with \"version\" and \"files\"");
  }
  if (doc["version"] != kVersion) {
    return bad("version " + doc["version"].dump() + " is not one this capset understands (1)");
  }
  if (!doc["files"].is_array()) return bad("\"files\" must be an array");
  AppliedRecord record;
  size_t index = 0;
  for (const json& item : doc["files"]) {
    const std::string where = "files[" + std::to_string(index++) + "]";
    auto string_field = [&](const char* key, std::string* out) {
      if (!item.contains(key) || !item[key].is_string()) return false;
      *out = item[key].get<std::string>();
      return true;
    };
    AppliedFile f;
    if (!item.is_object() || !string_field("path", &f.path) || !string_field("caps", &f.caps) ||
        !string_field("package", &f.package) || !string_field("source", &f.source) ||
        !item.contains("setuid") || !item["setuid"].is_boolean()) {
      return bad(where + ": expected path, caps, package, source (strings) and setuid (boolean)");
    }
    f.setuid = item["setuid"].get<bool>();
    if (f.path.empty() || f.path[0] != '/') return bad(where + ": path must be absolute");
    // SECURITY: a recorded path is resolved inside the root like a policy path; one that
    // climbs out of it makes the whole record suspect.
    if (Result<std::vector<std::string>> parts = PathBelowRoot(f.path); !parts.ok()) {
      return bad(where + ": path '" + f.path + "' must not contain '..'");
    }
    if (!record.files.emplace(f.path, f).second) return bad(where + ": path is listed twice");
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
  if (!S_ISREG(lock_st->st_mode)) {
    return Status(Code::kUnsafe, "'" + lock_path + "' is not a regular file");
  }
  if (lock_st->st_nlink != 1) {
    return Status(Code::kUnsafe, "Refusing '" + lock_path + "': it has " +
                                     std::to_string(lock_st->st_nlink) +
                                     " names (hard links); it must be a file of its own");
  }
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
