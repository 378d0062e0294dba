// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/trusted_file.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>

namespace capset {
namespace {

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

}  // namespace

Result<TrustedText> ReadTrustedFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                      const std::string& shown, const TrustedReadOptions& options) {
  SafeOpenOptions open;
  open.trust = options.trust;
  open.rule = options.rule;
  // Reading, not granting: another name for the same root-owned inode changes nothing.
  open.allow_hardlinks = true;
  CAPSET_ASSIGN_OR_RETURN(SafeFile f, OpenRegularFileAt(sys, dir, name, shown, open));
  if (static_cast<size_t>(f.st.st_size) > options.max_bytes) {
    return Status(Code::kInvalidArgument, "'" + shown + "' is larger than " +
                                              std::to_string(options.max_bytes) +
                                              " bytes, refusing to read it");
  }
  Result<std::string> text = sys.ReadContent(f.fd.get(), options.max_bytes);
  if (!text.ok()) {
    return Status(text.status().code(),
                  "Failed to read '" + shown + "': " + text.status().message(),
                  text.status().sys_errno());
  }
  Result<struct stat> after = sys.Stat(f.fd.get());
  if (!after.ok()) {
    return Status(after.status().code(),
                  "Failed to stat '" + shown + "': " + after.status().message(),
                  after.status().sys_errno());
  }
  // SECURITY: one consistent snapshot, or nothing: a prefix of a file being rewritten in
  // place parses as a valid policy that lacks the rest.
  if (!SameFile(f.st, *after) || text->size() != static_cast<size_t>(after->st_size)) {
    return Status(Code::kIoError,
                  "'" + shown + "' changed while it was read; refusing a partial read (try again)");
  }
  TrustedText out;
  out.text = std::move(text).value();
  out.st = *after;
  out.path = shown;
  out.untrusted = f.untrusted;
  return out;
}

Result<TrustedText> ReadTrustedFile(SysOps& sys, const std::string& path,
                                    const TrustedReadOptions& options) {
  SafeOpenOptions open;
  open.trust = options.trust;
  CAPSET_ASSIGN_OR_RETURN(SafeParent parent, OpenParentNoFollow(sys, path, open));
  return ReadTrustedFileAt(sys, parent.dir, parent.name, path, options);
}

Result<std::vector<DirEntry>> ListTrustedDirectory(SysOps& sys, const SafeDir& dir,
                                                   const std::string& suffix) {
  Result<std::vector<DirEntry>> all = sys.ReadDirectory(dir.fd.get());
  if (!all.ok()) {
    return Status(all.status().code(),
                  "Failed to read the directory '" + dir.path + "': " + all.status().message(),
                  all.status().sys_errno());
  }
  std::vector<DirEntry> out;
  for (auto& e : *all) {
    if (e.name.empty() || e.name[0] == '.' || e.name.size() <= suffix.size() ||
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return out;
}

std::string ControlCharacter::Describe() const {
  if (byte == 0) return "a NUL byte";
  char buf[48];
  std::snprintf(buf, sizeof buf, "a control character (0x%02x)", byte);
  return buf;
}

std::optional<ControlCharacter> FindControlCharacter(std::string_view text, bool allow_crlf) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if (c >= 0x20 && c != 0x7f) continue;
    if (c == '\t') continue;
    if (c == '\r' && allow_crlf && i + 1 < text.size() && text[i + 1] == '\n') continue;
    return ControlCharacter{line, static_cast<int>(i - line_start) + 1, c};
  }
  return std::nullopt;
}

}  // namespace capset
