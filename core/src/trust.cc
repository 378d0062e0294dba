// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/trust.h"

#include "capset/posix_acl.h"
#include "mode_text.h"

namespace capset {
namespace {

// Root, or an owner nobody in this user namespace can act as.
struct RootLike {
  SysOps& sys;
  bool userns_known = false, userns = false;
  bool InNamespace() {
    if (!userns_known) userns = sys.InChildUserNamespace(), userns_known = true;
    return userns;
  }
  bool Uid(uid_t uid) { return uid == 0 || (InNamespace() && uid == sys.OverflowUid()); }
  bool Gid(gid_t gid) { return gid == 0 || (InNamespace() && gid == sys.OverflowGid()); }
};

std::optional<std::string> ByMode(RootLike& root, const struct stat& st, const TrustRule& rule) {
  const bool group_writable = (st.st_mode & S_IWGRP) != 0;
  auto detail = [&] {
    return " (owner " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid) + ", mode " +
           OctalMode(st.st_mode) + ")";
  };
  // The common case (root:root, or not group-writable) needs no look at the user namespace:
  // this runs on every login in pam_capset.so.
  const bool owner_ok =
      st.st_uid == 0 || (rule.also_owner && st.st_uid == *rule.also_owner) || root.Uid(st.st_uid);
  if (!owner_ok) return "is owned by a non-root user" + detail();
  if (group_writable && st.st_gid != 0 && !root.Gid(st.st_gid)) {
    return "is writable by a non-root group" + detail();
  }
  if (st.st_mode & S_IWOTH) return "is writable by everyone" + detail();
  return std::nullopt;
}

std::optional<std::string> ByAcl(RootLike& root, const struct stat& st, std::string_view acl,
                                 const TrustRule& rule) {
  // The group class as the mode in `st` makes it: the mask now, or the one a chmod to that
  // mode gives (an entry user:1000:rwx under mask::r-x writes once the mode is 0775).
  Result<std::vector<AclWriter>> writers =
      AclWriters(acl, static_cast<uint16_t>((st.st_mode >> 3) & 7));
  if (!writers.ok()) return "has an access ACL capset cannot read: " + writers.status().message();
  for (const AclWriter& w : *writers) {
    switch (w.kind) {
      case AclWriter::Kind::kUser:
        if (root.Uid(w.id) || (rule.also_owner && w.id == *rule.also_owner)) {
          continue;
        }
        return "is writable by user " + std::to_string(w.id) +
               " through its POSIX ACL (user:" + std::to_string(w.id) + ":w)";
      case AclWriter::Kind::kGroup:
        if (root.Gid(w.id)) continue;
        return "is writable by group " + std::to_string(w.id) +
               " through its POSIX ACL (group:" + std::to_string(w.id) + ":w)";
      case AclWriter::Kind::kOwningGroup:
        if (root.Gid(st.st_gid)) continue;
        return "is writable by its group " + std::to_string(st.st_gid) + " through its POSIX ACL";
      case AclWriter::Kind::kOther:
        return "is writable by everyone through its POSIX ACL (other::w)";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> UntrustedStateReason(SysOps& sys, const struct stat& st,
                                                const std::optional<std::string>& acl,
                                                const TrustRule& rule) {
  RootLike root{sys};
  if (auto why = ByMode(root, st, rule)) return why;
  if (acl) return ByAcl(root, st, *acl, rule);
  return std::nullopt;
}

bool AclCouldGrantWrite(const struct stat& st) { return (st.st_mode & S_IWGRP) != 0; }

TrustJudgement JudgeTrust(SysOps& sys, int fd, const struct stat& st, const TrustRule& rule) {
  Result<std::optional<std::string>> acl = sys.GetAclXattr(fd);
  if (!acl.ok()) return {"has an access ACL that cannot be read: " + acl.status().message(), {}};
  return {UntrustedStateReason(sys, st, *acl, rule), *acl};
}

std::optional<std::string> UntrustedReason(SysOps& sys, int fd, const struct stat& st,
                                           const TrustRule& rule) {
  // A walk judges every directory from "/" so: the ACL read was a third of its system calls.
  if (!AclCouldGrantWrite(st)) return UntrustedStateReason(sys, st, std::nullopt, rule);
  return JudgeTrust(sys, fd, st, rule).untrusted;
}

}  // namespace capset
