// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_policy.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "capset/file_cap_store.h"
#include "capset/id_parse.h"
#include "capset/parallel.h"
#include "capset/policy_loader.h"
#include "capset/printable.h"
#include "capset/safe_path.h"
#include "capset/trust.h"
#include "capset/trusted_file.h"
#include "mode_text.h"

namespace capset {
namespace {

// The numeric id of `name` in ROOT/etc/passwd or ROOT/etc/group (`file`: "/etc/passwd"):
// the first and third fields. Read inside the root like any file capset takes authority from.
Result<unsigned> IdFromFile(SysOps& sys, const std::string& root, const std::string& file,
                            const std::string& name) {
  const std::string shown = RootedPath(root, file);
  CAPSET_ASSIGN_OR_RETURN(SafeDir base, OpenRoot(sys, root, {}));
  CAPSET_ASSIGN_OR_RETURN(SafeDir etc, OpenDirectoryBelow(sys, base, "/etc", {}));
  TrustedReadOptions read;
  read.max_bytes = 64 << 20;
  Result<TrustedText> text =
      ReadTrustedFileAt(sys, etc, file.substr(file.rfind('/') + 1), shown, read);
  if (!text.ok()) return text.status().WithPrefix("cannot look up '" + name + "'");
  std::string_view all = text->text;
  while (!all.empty()) {
    const size_t nl = all.find('\n');
    const std::string_view line = all.substr(0, nl);
    all = nl == std::string_view::npos ? std::string_view() : all.substr(nl + 1);
    const size_t a = line.find(':');
    if (a == std::string_view::npos || line.substr(0, a) != name) continue;
    const size_t b = line.find(':', a + 1);
    const size_t c = b == std::string_view::npos ? b : line.find(':', b + 1);
    if (c == std::string_view::npos) break;
    Result<uid_t> id = ParseUid(line.substr(b + 1, c - b - 1));
    if (!id.ok()) {
      return Status(Code::kCorrupt,
                    "'" + shown + "': the entry of '" + name + "' has " + id.status().message());
    }
    return static_cast<unsigned>(*id);
  }
  return Status(Code::kNotFound, "unknown name '" + name + "' in '" + shown + "'");
}

bool Unsupported(const Status& st) {
  return st.code() == Code::kNotSupported || st.sys_errno() == ENOTSUP ||
         st.sys_errno() == EOPNOTSUPP;
}

// The canonical text (libcap's cap_to_text) of each capability set the policy names, made
// once per distinct text on first use: each conversion goes through libcap (a capget(2)), and
// thousands of entries share a few sets. Safe to share between threads.
class CapsTexts {
 public:
  std::string Of(const FileEntry& e) {
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = texts_.try_emplace(e.caps_text);
    if (inserted) it->second = e.caps.ToText();
    return it->second;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::string> texts_;
};

// What the entry wants of the file, given what the filesystem supports.
struct Want {
  FileCaps caps;  ///< the entry's: texts->Of(*entry) is their text
  const FileEntry* entry = nullptr;
  CapsTexts* texts = nullptr;
  bool caps_supported = true;
  bool setuid = false;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<mode_t> perm;  ///< permission bits without S_ISUID; nullopt: keep
};

struct Have {
  struct stat st {};
  std::optional<VfsCap> caps;
};

// Whether the file's capabilities are exactly `want`, for the host (root id 0).
bool GrantsExactly(const VfsCap& have, const FileCaps& want) {
  return have.caps.rootid == 0 && have.caps == want;
}

std::vector<Drift> Compare(const Have& have, const Want& want) {
  std::vector<Drift> out;
  // Texts only for drift: a no-op apply of thousands of entries has none.
  if (want.caps_supported) {
    if (!have.caps) {
      out.push_back({Drift::Kind::kCaps, "", want.texts->Of(*want.entry)});
    } else {
      FileCaps got = have.caps->caps;
      if (got.rootid != 0) {
        out.push_back({Drift::Kind::kRootId, "rootid=" + std::to_string(got.rootid), "rootid=0"});
        got.rootid = 0;
      }
      if (!(got == want.caps)) {
        out.push_back({Drift::Kind::kCaps, got.ToText(), want.texts->Of(*want.entry)});
      }
    }
  }
  const bool suid = (have.st.st_mode & S_ISUID) != 0;
  if (suid != want.setuid) {
    out.push_back({Drift::Kind::kSetuid, suid ? "set" : "unset", want.setuid ? "set" : "unset"});
  }
  if (want.uid && have.st.st_uid != *want.uid) {
    out.push_back({Drift::Kind::kOwner, std::to_string(have.st.st_uid), std::to_string(*want.uid)});
  }
  if (want.gid && have.st.st_gid != *want.gid) {
    out.push_back({Drift::Kind::kGroup, std::to_string(have.st.st_gid), std::to_string(*want.gid)});
  }
  const mode_t perm_have = have.st.st_mode & 07777 & ~static_cast<mode_t>(S_ISUID);
  if (want.perm && perm_have != *want.perm) {
    out.push_back({Drift::Kind::kMode, OctalMode(perm_have), OctalMode(*want.perm)});
  }
  return out;
}

// `opened`: the stat the walk took of this descriptor as it opened it, if just now. `seen`:
// the capabilities read of it by name a moment before (AlreadyAsWanted), if any.
Result<Have> ReadState(SysOps& sys, int fd, const std::string& path, bool* caps_supported,
                       const struct stat* opened = nullptr,
                       const std::optional<std::optional<VfsCap>>& seen = std::nullopt) {
  Have have;
  if (opened) {
    have.st = *opened;
  } else {
    CAPSET_ASSIGN_OR_RETURN(struct stat st, sys.Stat(fd));
    have.st = st;
  }
  if (seen) {
    have.caps = *seen;
    return have;
  }
  Result<std::optional<VfsCap>> caps = ReadFileCaps(sys, fd, path);
  if (!caps.ok()) {
    if (!Unsupported(caps.status())) return caps.status();
    *caps_supported = false;
  } else {
    have.caps = *caps;
  }
  return have;
}

// Owner and group names resolved once each, before the entries are processed: thousands of
// entries name the same few, and each look-up reads NSS or the image's etc/passwd.
struct ResolvedIds {
  std::unordered_map<std::string, Result<uid_t>> users;
  std::unordered_map<std::string, Result<gid_t>> groups;
};

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// The directory part of an absolute path without ".", ".." or empty components (anything
// else takes the full walk), or nullopt.
std::optional<std::string> PlainParent(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return std::nullopt;
  for (size_t start = 1; start < path.size();) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return std::nullopt;
    start = end + 1;
  }
  const size_t slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

// The permission bits (without S_ISUID) `e` leaves a file of mode `now` with, or nullopt to
// keep them: its mode: if it has one; and always when the set-user-ID bit is to be cleared or
// the setuid fallback sets the mode.
std::optional<mode_t> PlannedPerm(const FileEntry& e, mode_t now, bool caps_supported) {
  if (!e.mode && caps_supported && !(now & S_ISUID)) return std::nullopt;
  const mode_t base = e.mode ? static_cast<mode_t>(*e.mode) : now;
  return base & 07777 & ~static_cast<mode_t>(S_ISUID);
}

// A directory the entries in it share, walked once, and the filesystem it is on.
struct WalkedDir {
  SafeDir dir;
  dev_t dev = 0;
};

// The walk's options for every entry: files and their directories must be root's.
SafeOpenOptions WalkOptions(const FilePolicyOptions& o) {
  SafeOpenOptions so;
  so.trust = TrustMode::kRequire;
  so.allow_hardlinks = o.allow_hardlinks;
  so.stat_then_open = true;  // where every directory is uid 0's alone (SafeDir::root_only)
  return so;
}

// SECURITY: the state `want` leaves the file in must pass the trust rule too (an owner: or
// group: that lets a non-root user change the file would hand them the capability). Judged
// before the first change, from the owner, group and mode the entry gives, and the ACL the
// file has.
std::optional<std::string> UntrustedEndState(SysOps& sys, const SafeFile& f, const Want& want) {
  const struct stat& now = f.st;
  struct stat end = now;
  if (want.uid) end.st_uid = *want.uid;
  if (want.gid) end.st_gid = *want.gid;
  const mode_t perm = (want.perm ? *want.perm : (now.st_mode & 07777)) |
                      (want.setuid ? static_cast<mode_t>(S_ISUID) : mode_t{0});
  end.st_mode = (now.st_mode & S_IFMT) | perm;
  return UntrustedStateReason(sys, end, f.acl);  // the walk read the ACL (trust required)
}

Status Chmod(SysOps& sys, int fd, mode_t mode, const std::string& path) {
  Status st = sys.Chmod(fd, mode);
  if (st.ok()) return st;
  return Status(st.code(), "Failed to change the mode of '" + path + "': " + st.message(),
                st.sys_errno());
}

// SECURITY: whether the file `name` in `dir` is already exactly as its entry wants it, judged
// without opening it (four system calls instead of the seven of the open below: what a no-op
// apply of a package's files and every capsetd Verify cost). The directory was walked and
// found root's, so only root can rename or replace what it holds: the name stands for one
// inode from the stat to the last attribute read (a root process rewriting the file at the
// same moment races the full open as much). Only the plain case is decided here — a regular
// file with one name, on its directory's filesystem, that this process may open for reading
// (as the full open must), that the trust rule accepts with its ACL, with the capabilities
// and mode the entry names. Anything else (a symbolic link, a second name, an untrusted ACL,
// an unreadable attribute, drift, a kernel without getxattrat) returns false and takes the
// full open, which decides it as before: this only ever skips work, never a check.
// `caps_seen`: in a directory only root can change (SafeDir::root_only), the capabilities
// read here (none, or their value), for the full open to use instead of reading them again:
// they decide what it writes, and what it writes is read back. An entry it finds without
// drift (declined here for a second name, say) is judged from them, as here.
bool AlreadyAsWanted(SysOps& sys, const FileEntry& e, const Want& base, const WalkedDir& dir,
                     const std::string& name, std::optional<std::optional<VfsCap>>* caps_seen) {
  if (dir.dir.untrusted) return false;
  // The capabilities first: a file that is to be changed has none (or others), and costs one
  // call here before its full open.
  Result<std::optional<RawCapXattr>> raw = sys.GetCapXattrAt(dir.dir.fd.get(), name);
  if (!raw.ok()) return false;
  if (!raw->has_value()) {
    if (dir.dir.root_only) caps_seen->emplace();
    return false;
  }
  Result<VfsCap> caps = DecodeVfsCap((*raw)->span());
  if (!caps.ok()) return false;
  if (dir.dir.root_only) caps_seen->emplace(*caps);
  if (!GrantsExactly(*caps, e.caps)) return false;
  Result<struct stat> st = sys.StatAt(dir.dir.fd.get(), name);
  if (!st.ok() || !S_ISREG(st->st_mode) || st->st_nlink != 1 || st->st_dev != dir.dev) {
    return false;
  }
  if (Result<bool> readable = sys.CanReadAt(dir.dir.fd.get(), name); !readable.ok() || !*readable) {
    return false;
  }
  // The ACL always, as the full open reads it: one written past the kernel (an image made
  // offline) can hold a named entry without a mask, which writes whatever the mode says.
  Result<std::optional<std::string>> acl = sys.GetAclXattrAt(dir.dir.fd.get(), name);
  if (!acl.ok() || UntrustedStateReason(sys, *st, *acl)) return false;
  Want want = base;  // as ProcessOne plans it where capabilities are supported
  want.caps = e.caps;
  want.perm = PlannedPerm(e, st->st_mode, /*caps_supported=*/true);
  Have have;
  have.st = *st;
  have.caps = *caps;
  return Compare(have, want).empty();
}

// SECURITY: changes a file's owner, capabilities and mode. Only through the descriptor the
// symlink-free walk returned; chown before the capabilities (the kernel drops them on chown)
// and the set-user-ID bit last, so no intermediate state grants more than the end state.
FileResult ProcessOne(SysOps& sys, const FileEntry& e, const FilePolicyOptions& o,
                      const ResolvedIds& ids, CapsTexts& texts, const SafeDir& root,
                      const WalkedDir* dir) {
  FileResult r;
  r.entry = &e;
  r.path = RootedPath(o.root, e.path);
  Want want;
  want.caps = e.caps;
  want.entry = &e;
  want.texts = &texts;
  if (e.owner) {
    const Result<uid_t>& uid = ids.users.at(*e.owner);
    if (!uid.ok()) return r.error = uid.status(), r;
    want.uid = *uid;
  }
  if (e.group) {
    const Result<gid_t>& gid = ids.groups.at(*e.group);
    if (!gid.ok()) return r.error = gid.status(), r;
    want.gid = *gid;
  }
  const SafeOpenOptions so = WalkOptions(o);
  std::optional<std::optional<VfsCap>> caps_seen;
  if (dir && AlreadyAsWanted(sys, e, want, *dir, BaseName(e.path), &caps_seen)) {
    return r;
  }
  if (o.quick_check && o.dry_run) return r.changed = true, r;  // not as wanted, or not plain
  // With the directory walked and checked already, only the last component is opened.
  Result<SafeFile> f = dir ? OpenRegularFileAt(sys, dir->dir, BaseName(e.path), r.path, so)
                           : OpenRegularFileBelow(sys, root, e.path, so);
  if (!f.ok()) return r.error = f.status(), r;
  r.warnings = f->warnings;
  const int fd = f->fd.get();

  bool supported = true;
  Result<Have> have = ReadState(sys, fd, r.path, &supported, &f->st, caps_seen);
  if (!have.ok()) return r.error = have.status(), r;
  auto plan = [&](bool caps_supported) {
    want.caps_supported = caps_supported;
    want.setuid = !caps_supported;  // only reached with fallback: setuid
    if (!caps_supported) want.uid = 0;
    want.perm = PlannedPerm(e, have->st.st_mode, caps_supported);
    r.fallback = !caps_supported;
  };
  auto unsupported_error = [&] {
    r.error = Status(Code::kNotSupported,
                     "'" + r.path +
                         "': the filesystem cannot store file capabilities, and the entry's "
                         "fallback is none");
    return r;
  };
  if (!supported && e.fallback != FileEntry::Fallback::kSetuid) return unsupported_error();
  plan(supported);
  if (auto why = UntrustedEndState(sys, *f, want)) {
    r.error = Status(Code::kUnsafe, "Refusing '" + r.path + "': applied, the file " + *why +
                                        ", so someone other than root could change a file "
                                        "that carries capabilities (fix the entry's owner, "
                                        "group or mode)");
    return r;
  }
  r.drift = Compare(*have, want);
  if (!o.apply || r.drift.empty()) return r;
  r.changed = true;
  if (o.dry_run) return r;

  bool chowned = false;
  auto chown_if_needed = [&]() -> Status {
    const bool owner = want.uid && have->st.st_uid != *want.uid;
    const bool group = want.gid && have->st.st_gid != *want.gid;
    if (!owner && !group) return Status::Ok();
    chowned = true;
    return sys.Chown(fd, owner ? *want.uid : static_cast<uid_t>(-1),
                     group ? *want.gid : static_cast<gid_t>(-1));
  };
  if (Status st = chown_if_needed(); !st.ok()) {
    return r.error =
               Status(st.code(), "Failed to change the owner of '" + r.path + "': " + st.message(),
                      st.sys_errno()),
           r;
  }
  // The capabilities, unless they are already right and no chown cleared them. Written without
  // a read before (ReadState just read them) or after (everything is read back below).
  const bool caps_right = have->caps && GrantsExactly(*have->caps, e.caps);
  if (want.caps_supported && (chowned || !caps_right)) {
    Status w = SetFileCaps(sys, fd, r.path, want.caps);
    if (!w.ok() && Unsupported(w)) {
      // Probed by the write itself: this filesystem cannot hold the capability.
      if (e.fallback != FileEntry::Fallback::kSetuid) return unsupported_error();
      plan(false);
      if (Status st = chown_if_needed(); !st.ok()) return r.error = st, r;
    } else if (!w.ok()) {
      return r.error = w, r;
    }
  }
  // The mode last: after a chown (which cleared the set-user-ID bit) always. Without one, the
  // mode is still the one read at the open (a capability write leaves it alone).
  Result<struct stat> now = chowned ? sys.Stat(fd) : Result<struct stat>(have->st);
  if (!now.ok()) return r.error = now.status(), r;
  const mode_t kept = now->st_mode & 07777 & ~static_cast<mode_t>(S_ISUID);
  const mode_t perm =
      (want.perm ? *want.perm : kept) | (want.setuid ? static_cast<mode_t>(S_ISUID) : mode_t{0});
  const bool chmodded = (now->st_mode & 07777) != perm || chowned;
  if (chmodded) {
    if (Status st = Chmod(sys, fd, perm, r.path); !st.ok()) return r.error = st, r;
  }
  // Verify what is now there: the capabilities always (a write to the file clears them); the
  // owner and mode again where this changed them, or where anyone but root may write the file
  // (the trust rule lets group 0 write; a write by another clears the set-user-ID bit). Else
  // they are the ones the open read: only root can change them.
  const bool only_root_writes = now->st_uid == 0 && (now->st_mode & 022) == 0 && !f->acl;
  bool still_supported = true;
  Result<Have> after = chmodded || !only_root_writes
                           ? ReadState(sys, fd, r.path, &still_supported)
                           : ReadState(sys, fd, r.path, &still_supported, &now.value());
  if (!after.ok()) return r.error = after.status(), r;
  const std::vector<Drift> left = Compare(*after, want);
  if (!left.empty()) {
    const bool caps_left = std::any_of(left.begin(), left.end(), [](const Drift& d) {
      return d.kind == Drift::Kind::kCaps || d.kind == Drift::Kind::kRootId;
    });
    r.error = Status(Code::kIoError,
                     "'" + r.path + "' still differs after applying: " + DriftText(left) +
                         (caps_left ? " (a write to the file meanwhile clears its capabilities; "
                                      "apply again once nothing writes to it)"
                                    : ""));
  }
  return r;
}

// The result of a recorded entry the policy no longer names, before anything is looked at.
FileResult RemovedResult(const AppliedFile& applied, const FilePolicyOptions& o) {
  auto entry = std::make_shared<FileEntry>();
  entry->path = applied.path;
  entry->package = applied.package;
  entry->where.file = applied.source;
  FileResult r;
  r.removed = true;
  r.removed_entry = entry;
  r.entry = entry.get();
  r.path = RootedPath(o.root, applied.path);
  return r;
}

// SECURITY: takes away what the record says capset gave a file the policy no longer names:
// its capabilities, if they are still exactly the recorded ones (root id 0), and the
// set-user-ID bit of the setuid fallback. Only ever less privilege; through the descriptor of
// the symlink-free walk, whose refusals (a file no longer root's, a symbolic link) are errors
// that keep the record until someone looks.
FileResult ProcessRemoved(SysOps& sys, const AppliedFile& applied, const FilePolicyOptions& o,
                          const SafeDir& root) {
  FileResult r = RemovedResult(applied, o);
  Result<SafeFile> f = OpenRegularFileBelow(sys, root, applied.path, WalkOptions(o));
  if (!f.ok() && f.status().code() == Code::kNotFound) return r;  // gone with its package
  if (!f.ok()) return r.error = f.status(), r;
  r.warnings = f->warnings;
  const int fd = f->fd.get();
  bool supported = true;
  Result<Have> have = ReadState(sys, fd, r.path, &supported, &f->st);
  if (!have.ok()) return r.error = have.status(), r;

  bool drop_caps = false, drop_setuid = false;
  if (have->caps) {
    const FileCaps& got = have->caps->caps;
    Result<FileCaps> recorded = FileCaps::FromText(applied.caps);
    if (!applied.setuid && recorded.ok() && got.rootid == 0 && got == *recorded) {
      drop_caps = true;
      r.drift.push_back({Drift::Kind::kCaps, got.ToText(), ""});
    } else {
      r.warnings.push_back("'" + r.path + "': its capabilities (" + got.ToText() +
                           ") are not the ones capset applied (" +
                           (applied.setuid ? std::string("the setuid fallback") : applied.caps) +
                           "); left as they are");
    }
  }
  // The walk refused a file not owned by root (an error, and the record is kept), so this
  // set-user-ID bit is root's.
  if (applied.setuid && (have->st.st_mode & S_ISUID)) {
    drop_setuid = true;
    r.drift.push_back({Drift::Kind::kSetuid, "set", "unset"});
  }
  if (!o.apply || r.drift.empty()) return r;
  r.changed = true;
  if (o.dry_run) return r;
  if (drop_caps) {
    Result<WriteOutcome> w = WriteFileCaps(sys, fd, r.path, std::nullopt, false);
    if (!w.ok()) return r.error = w.status(), r;
  }
  if (drop_setuid) {
    const mode_t mode = have->st.st_mode & 07777 & ~static_cast<mode_t>(S_ISUID);
    if (Status st = Chmod(sys, fd, mode, r.path); !st.ok()) return r.error = st, r;
  }
  return r;
}

// A recorded entry whose policy file changed a moment ago: it may be being written, and a
// prefix of it lacks entries that are not removed at all. Kept for the next apply.
FileResult Deferred(const AppliedFile& applied, const FilePolicyOptions& o) {
  FileResult r = RemovedResult(applied, o);
  r.deferred = true;
  r.warnings.push_back("'" + r.path + "' is no longer in '" + applied.SourceFile() +
                       "', which changed less than " + std::to_string(kSettleSeconds) +
                       " s ago: what capset gave it is taken away by the next apply, not now");
  return r;
}

}  // namespace

const char* DriftKindName(Drift::Kind kind) {
  switch (kind) {
    case Drift::Kind::kCaps:
      return "caps";
    case Drift::Kind::kRootId:
      return "rootid";
    case Drift::Kind::kSetuid:
      return "setuid";
    case Drift::Kind::kOwner:
      return "owner";
    case Drift::Kind::kGroup:
      return "group";
    case Drift::Kind::kMode:
      return "mode";
  }
  return "?";
}

void AppendDriftText(std::string& out, std::string_view kind, std::string_view have,
                     std::string_view want) {
  if (!out.empty()) out += ", ";
  out.append(kind).append(" ");
  out.append(have.empty() ? "none" : have).append(" -> ");
  out.append(want.empty() ? "none" : want);
}

std::string DriftText(const std::vector<Drift>& drift) {
  std::string out;
  for (const auto& d : drift) AppendDriftText(out, DriftKindName(d.kind), d.have, d.want);
  return out;
}

IdResolver::IdResolver(SysOps& sys, std::string root) : sys_(sys), root_(std::move(root)) {}

Result<uid_t> IdResolver::User(const std::string& name) const {
  if (IsAllDigits(name)) return ParseUid(name);
  if (root_.empty() || root_ == "/") {
    Result<std::optional<UserEntry>> pw = sys_.LookupUser(name);
    if (!pw.ok()) return FromErrno(pw.status().sys_errno(), "look up user", Printable(name));
    if (!*pw) return Status(Code::kNotFound, "unknown user '" + Printable(name) + "'");
    return (*pw)->uid;
  }
  CAPSET_ASSIGN_OR_RETURN(unsigned id, IdFromFile(sys_, root_, "/etc/passwd", name));
  return static_cast<uid_t>(id);
}

Result<gid_t> IdResolver::Group(const std::string& name) const {
  if (IsAllDigits(name)) return ParseGid(name);
  if (root_.empty() || root_ == "/") {
    Result<std::optional<gid_t>> gr = sys_.LookupGroup(name);
    if (!gr.ok()) return FromErrno(gr.status().sys_errno(), "look up group", name);
    if (!*gr) return Status(Code::kNotFound, "unknown group '" + name + "'");
    return **gr;
  }
  CAPSET_ASSIGN_OR_RETURN(unsigned id, IdFromFile(sys_, root_, "/etc/group", name));
  return static_cast<gid_t>(id);
}

std::vector<FileResult> ProcessFilePolicy(SysOps& sys, const Policy& policy,
                                          const FilePolicyOptions& options) {
  std::vector<const FileEntry*> selected;
  for (const auto& e : policy.files) {
    if (!options.package || e.package == *options.package) selected.push_back(&e);
  }
  const IdResolver resolver(sys, options.root);
  ResolvedIds ids;
  for (const FileEntry* e : selected) {
    if (e->owner && !ids.users.count(*e->owner)) {
      ids.users.emplace(*e->owner, resolver.User(*e->owner));
    }
    if (e->group && !ids.groups.count(*e->group)) {
      ids.groups.emplace(*e->group, resolver.Group(*e->group));
    }
  }
  // Every path is resolved inside the root (safe_path.h): a root that cannot be opened
  // fails every entry with the same reason.
  Result<SafeDir> root = OpenRoot(sys, options.root.empty() ? "/" : options.root, {});
  // Entries in one directory (a package's files in /usr/bin) share one walk to it. A
  // directory whose walk fails is left out: its entries walk on their own and report why.
  std::unordered_map<std::string, std::unique_ptr<const WalkedDir>> dirs;
  std::vector<const WalkedDir*> dir_of(selected.size(), nullptr);
  for (size_t i = 0; i < selected.size() && root.ok(); ++i) {
    const std::optional<std::string> parent = PlainParent(selected[i]->path);
    if (!parent) continue;
    auto [it, inserted] = dirs.try_emplace(*parent);
    if (inserted) {
      Result<SafeDir> d = OpenDirectoryBelow(sys, *root, *parent, {});
      Result<struct stat> st = d.ok() ? sys.Stat(d->fd.get()) : Result<struct stat>(d.status());
      if (st.ok()) {
        it->second = std::make_unique<const WalkedDir>(WalkedDir{std::move(d).value(), st->st_dev});
      }
    }
    dir_of[i] = it->second.get();
  }
  // Recorded paths the policy no longer names.
  const std::vector<const AppliedFile*> removed =
      options.record ? RemovedEntries(policy, *options.record, options.package)
                     : std::vector<const AppliedFile*>{};
  std::vector<FileResult> results(selected.size() + removed.size());
  CapsTexts texts;
  // Makes results[i].
  const auto make = [&](size_t i) {
    const bool is_removed = i >= selected.size();
    if (!root.ok()) {
      FileResult& r = results[i];
      if (is_removed) {
        r = RemovedResult(*removed[i - selected.size()], options);
      } else {
        r.entry = selected[i];
        r.path = RootedPath(options.root, selected[i]->path);
      }
      r.error = root.status();
      return;
    }
    if (!is_removed) {
      results[i] = ProcessOne(sys, *selected[i], options, ids, texts, *root, dir_of[i]);
      return;
    }
    const AppliedFile& applied = *removed[i - selected.size()];
    if (options.quick_check && options.dry_run) {
      results[i] = RemovedResult(applied, options);
      results[i].changed = true;  // the record loses it at least
      return;
    }
    if (options.unsettled_sources.count(applied.SourceFile())) {
      results[i] = Deferred(applied, options);
      return;
    }
    results[i] = ProcessRemoved(sys, applied, options, *root);
  };
  ParallelFor(results.size(), 64, [&](size_t i) {
    make(i);
    if (options.on_result) options.on_result(results[i]);
  });
  return results;
}

std::vector<const AppliedFile*> RemovedEntries(const Policy& policy, const AppliedRecord& record,
                                               const std::optional<std::string>& package) {
  std::unordered_set<std::string_view> named;  // views of the policy's paths: no copies
  named.reserve(policy.files.size());
  for (const auto& e : policy.files) named.insert(e.path);
  std::vector<const AppliedFile*> out;
  for (const auto& [path, applied] : record.files) {
    if (named.count(path) || (package && applied.package != *package)) continue;
    out.push_back(&applied);
  }
  return out;
}

namespace {

// What an apply records for `r`, an entry applied without error.
AppliedFile AsRecorded(const FileResult& r, CapsTexts& texts) {
  AppliedFile f;
  f.path = r.entry->path;
  f.setuid = r.fallback;
  if (!r.fallback) f.caps = texts.Of(*r.entry);
  f.package = r.entry->package;
  f.source = r.entry->where.ToString();
  return f;
}

}  // namespace

bool UpdateAppliedRecord(AppliedRecord& record, const std::vector<FileResult>& results) {
  CapsTexts texts;
  bool changed = false;
  for (const auto& r : results) {
    if (!r.ok() || r.deferred) continue;
    if (r.removed) {
      changed |= record.files.erase(r.entry->path) > 0;
      continue;
    }
    AppliedFile recorded = AsRecorded(r, texts);
    auto [it, inserted] = record.files.try_emplace(r.entry->path);
    // Compared field by field: an entry applied again as it was recorded is not rewritten.
    if (!inserted && it->second == recorded) continue;
    changed = true;
    it->second = std::move(recorded);
  }
  return changed;
}

bool AppliedRecordHolds(const AppliedRecord& record, const std::vector<FileResult>& results) {
  CapsTexts texts;
  for (const auto& r : results) {
    if (!r.ok() || r.deferred) continue;
    const auto it = record.files.find(r.entry->path);
    if (r.removed) {
      if (it != record.files.end()) return false;
      continue;
    }
    if (it == record.files.end() || !(it->second == AsRecorded(r, texts))) return false;
  }
  return true;
}

}  // namespace capset
