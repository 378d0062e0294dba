// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the record of what `capctl policy apply` and capsetd applied
// (/var/lib/capset/applied-files.json below the root).
//
// When a package's policy file goes away but the file it named stays (a policy-only package,
// or an admin deleting a file from /etc/capset/policy.d), the policy no longer says anything
// about that file; only this record remembers that capset gave it capabilities (or, through
// the setuid fallback, the set-user-ID bit). The next apply takes exactly those away again,
// and nothing that someone else set since (file_policy.h).
//
// The record is JSON, one object per path:
//   {"version": 1, "files": [{"path": "/usr/bin/ping", "caps": "cap_net_raw=p",
//     "setuid": false, "package": "iputils-ping", "source": "/usr/lib/...yaml:3:5"}]}
//
// SECURITY: root reads a file that capsetd (its own user, via StateDirectory=) may write. The
// directory must be owned by root, by the caller or by the user "capsetd", and writable by
// nobody else; files in it are opened with O_NOFOLLOW, and a new record replaces the old one
// by rename, so a planted symlink or hard link is never written through. What a record can
// make root do is take away capabilities or a set-user-ID bit that it names — which capsetd
// (CAP_SETFCAP, CAP_FOWNER) can do anyway.
// Thread-safety: AppliedRecord is a value; AppliedRecordStore serializes writers across
// processes with an exclusive lock (flock on .lock) held from Open(for_update) to destruction.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>

#include "capset/config.h"
#include "capset/fd.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

/// What capset last applied to one file.
struct AppliedFile {
  std::string path;     ///< as the policy names it (not below --root)
  std::string caps;     ///< canonical text, "" when the setuid fallback was used
  bool setuid = false;  ///< capset made the file set-user-ID root (fallback: setuid)
  std::string package;
  std::string source;  ///< the policy entry's file:line:column

  /// The file of `source` (file names may hold ':').
  std::string SourceFile() const;

  bool operator==(const AppliedFile&) const = default;
};

/// The record's content: applied files by path.
struct AppliedRecord {
  std::map<std::string, AppliedFile> files;

  bool operator==(const AppliedRecord&) const = default;

  /// The JSON text (sorted by path, ends with a newline).
  std::string ToJson() const;
  /// Parses ToJson()'s form; the error names `origin` and what was wrong.
  static Result<AppliedRecord> FromJson(const std::string& text, const std::string& origin);
};

/// The record file of a root ("/" or an image being built).
class AppliedRecordStore {
 public:
  static constexpr const char* kDirectory = CAPSET_STATE_DIR;
  static constexpr const char* kFileName = "applied-files.json";
  static constexpr size_t kMaxBytes = 64u << 20;
  static constexpr int kLockTimeoutMs = 30000;

  /// Opens ROOT/var/lib/capset. With `for_update`, creates it (0755) where missing and takes
  /// the writers' lock (waits up to kLockTimeoutMs for another apply to finish; then the
  /// apply goes on without the record, and says so). Without, a missing directory is an
  /// empty record. Errors: kUnsafe (an untrusted directory), kPermissionDenied, kIoError.
  static Result<AppliedRecordStore> Open(SysOps& sys, const std::string& root, bool for_update);

  /// Whether another apply holds the writers' lock of `root` now, found without waiting (a
  /// shared lock taken and let go at once; a missing directory or lock file: none). A lock file
  /// that is not a regular file of one name counts as held: the apply that takes the lock
  /// says what is wrong with it. Errors: those of Open.
  static Result<bool> WriterActive(SysOps& sys, const std::string& root);

  /// The record; empty when there is none yet.
  Result<AppliedRecord> Load() const;
  /// Replaces the record atomically (a new file, fsync, rename). Needs Open(for_update).
  Status Save(const AppliedRecord& record) const;

  /// ROOT/var/lib/capset/applied-files.json, for messages.
  const std::string& path() const { return path_; }

 private:
  explicit AppliedRecordStore(SysOps& sys) : sys_(&sys) {}
  Status Lock(const std::string& lock_path);

  SysOps* sys_;
  Fd dir_;   ///< invalid: the directory does not exist (read-only open)
  Fd lock_;  ///< the locked .lock file (for_update)
  std::string root_;
  std::optional<uid_t> owner_;  ///< who besides root may own the directory and the record
  std::string path_;
};

}  // namespace capset
