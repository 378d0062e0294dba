// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_cap_store.h"

#include <linux/fs.h>

#include <cerrno>
#include <cstring>

namespace capset {
namespace {

Status NameFile(const Status& st, const std::string& verb, const std::string& path) {
  if (st.sys_errno() == ENOTSUP || st.sys_errno() == EOPNOTSUPP) {
    return Status(Code::kNotSupported,
                  "Failed to " + verb + " '" + path +
                      "': the filesystem does not support file capabilities "
                      "(security.capability extended attributes)",
                  st.sys_errno());
  }
  return Status(st.code(), "Failed to " + verb + " '" + path + "': " + st.message(),
                st.sys_errno());
}

}  // namespace

Result<std::optional<VfsCap>> ReadFileCaps(SysOps& sys, int fd, const std::string& path) {
  Result<std::optional<RawCapXattr>> raw = sys.GetCapXattr(fd);
  if (!raw.ok()) return NameFile(raw.status(), "read capabilities of", path);
  if (!raw->has_value()) return std::optional<VfsCap>();
  Result<VfsCap> decoded = DecodeVfsCap((*raw)->span());
  if (!decoded.ok()) return decoded.status().WithPrefix("'" + path + "'");
  return std::optional<VfsCap>(*decoded);
}

Result<WriteOutcome> WriteFileCaps(SysOps& sys, int fd, const std::string& path,
                                   const std::optional<FileCaps>& want, bool dry_run) {
  // SECURITY: `fd` came from OpenRegularFileNoFollow; nothing here looks at a path again.
  Result<std::optional<RawCapXattr>> have = sys.GetCapXattr(fd);
  // A malformed value is replaced (or removed), never an obstacle to fixing the file.
  const bool malformed = !have.ok() && have.status().code() == Code::kCorrupt;
  if (!have.ok() && !malformed) return NameFile(have.status(), "read capabilities of", path);
  const bool has_caps = malformed || (have.ok() && have->has_value());

  if (!want) {
    if (!has_caps) return WriteOutcome::kNothingToRemove;
    if (!dry_run) {
      Status st = sys.RemoveCapXattr(fd);
      if (!st.ok() && st.sys_errno() != ENODATA)
        return NameFile(st, "remove capabilities of", path);
    }
    return WriteOutcome::kRemoved;
  }

  const VfsCapBytes bytes = EncodeVfsCap(*want);
  if (has_caps && !malformed && (*have)->size == bytes.size &&
      std::memcmp((*have)->data.data(), bytes.data.data(), bytes.size) == 0) {
    return WriteOutcome::kUnchanged;
  }
  if (!dry_run) {
    Status st = sys.SetCapXattr(fd, bytes.span());
    if (!st.ok()) return NameFile(st, "set capabilities on", path);
    // Read back: a concurrent write to the file makes the kernel drop what was just set.
    Result<std::optional<RawCapXattr>> now = sys.GetCapXattr(fd);
    if (!now.ok() || !now->has_value() || (*now)->size != bytes.size ||
        std::memcmp((*now)->data.data(), bytes.data.data(), bytes.size) != 0) {
      return Status(Code::kIoError, "'" + path +
                                        "': the capability did not stay (the file was written "
                                        "to meanwhile, which clears it); nothing is set");
    }
  }
  return WriteOutcome::kWritten;
}

Status SetFileCaps(SysOps& sys, int fd, const std::string& path, const FileCaps& caps) {
  // SECURITY: as WriteFileCaps, through the descriptor only.
  Status st = sys.SetCapXattr(fd, EncodeVfsCap(caps).span());
  return st.ok() ? st : NameFile(st, "set capabilities on", path);
}

Status CheckCapsWritable(SysOps& sys, int fd, const std::string& path) {
  Result<std::optional<RawCapXattr>> have = sys.GetCapXattr(fd);
  if (!have.ok() && have.status().code() != Code::kCorrupt) {
    return NameFile(have.status(), "read capabilities of", path);
  }
  Result<unsigned> flags = sys.InodeFlags(fd);
  if (flags.ok() && (*flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) {
    const bool immutable = *flags & FS_IMMUTABLE_FL;
    return Status(Code::kPermissionDenied,
                  "Refusing '" + path + "': the file is " +
                      (immutable ? "immutable (chattr +i)" : "append-only (chattr +a)") +
                      ", so not even root can change its capabilities; remove the flag with "
                      "chattr " +
                      (immutable ? "-i" : "-a") + " first",
                  EPERM);
  }
  return Status::Ok();
}

}  // namespace capset
