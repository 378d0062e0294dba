// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/trusted_file.h"

#include <fcntl.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace capset {
namespace {

bool SameFile(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

// Opens `name` in `dir` for one of the readers below and refuses it if it is too large.
Result<SafeFile> OpenForReading(SysOps& sys, const SafeDir& dir, const std::string& name,
                                const std::string& shown, const TrustedReadOptions& options) {
  SafeOpenOptions open;
  open.trust = options.trust;
  open.rule = options.rule;
  // Reading, not granting: another name for the same root-owned inode changes nothing.
  open.allow_hardlinks = true;
  // Where only root can change the directory, fstatat and a direct open: two system calls
  // fewer per file (the generator reads a policy file per service, PAM one per login).
  open.stat_then_open = true;
  CAPSET_ASSIGN_OR_RETURN(SafeFile f, OpenRegularFileAt(sys, dir, name, shown, open));
  if (static_cast<size_t>(f.st.st_size) > options.max_bytes) {
    return Status(Code::kInvalidArgument, "'" + shown + "' is larger than " +
                                              std::to_string(options.max_bytes) +
                                              " bytes, refusing to read it");
  }
  return f;
}

// The TrustedText of `f`, once `read` bytes of it (or the read's error) are in.
Result<TrustedText> FinishReading(SysOps& sys, const SafeFile& f, const Result<size_t>& read,
                                  const std::string& shown) {
  if (!read.ok()) {
    return Status(read.status().code(),
                  "Failed to read '" + shown + "': " + read.status().message(),
                  read.status().sys_errno());
  }
  Result<struct stat> after = sys.Stat(f.fd.get());
  if (!after.ok()) {
    return Status(after.status().code(),
                  "Failed to stat '" + shown + "': " + after.status().message(),
                  after.status().sys_errno());
  }
  // SECURITY: one consistent snapshot, or nothing: a prefix of a file being rewritten in
  // place parses as a valid policy that lacks the rest.
  if (!SameFile(f.st, *after) || *read != static_cast<size_t>(after->st_size)) {
    return Status(Code::kIoError,
                  "'" + shown + "' changed while it was read; refusing a partial read (try again)");
  }
  TrustedText out;
  out.st = *after;
  out.path = shown;
  out.untrusted = f.untrusted;
  return out;
}

}  // namespace

Result<TrustedText> ReadTrustedFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                      const std::string& shown, const TrustedReadOptions& options) {
  CAPSET_ASSIGN_OR_RETURN(SafeFile f, OpenForReading(sys, dir, name, shown, options));
  // Up to the size fstat gave (OpenForReading refused more than max_bytes), and one byte more:
  // the read that ends there is the last, and a file that grew or shrank meanwhile fails the
  // snapshot check.
  Result<std::string> text = sys.ReadContent(f.fd.get(), static_cast<size_t>(f.st.st_size));
  Result<size_t> read = text.ok() ? Result<size_t>(text->size()) : Result<size_t>(text.status());
  CAPSET_ASSIGN_OR_RETURN(TrustedText out, FinishReading(sys, f, read, shown));
  out.text = std::move(text).value();
  return out;
}

Result<TrustedText> ReadTrustedFile(SysOps& sys, const std::string& path,
                                    const TrustedReadOptions& options) {
  SafeOpenOptions open;
  open.trust = options.trust;
  CAPSET_ASSIGN_OR_RETURN(SafeParent parent, OpenParentNoFollow(sys, path, open));
  return ReadTrustedFileAt(sys, parent.dir, parent.name, path, options);
}

Result<TrustedText> ReadTrustedFileLines(SysOps& sys, const std::string& path,
                                         const TrustedReadOptions& options,
                                         const std::function<void(std::string_view)>& lines) {
  SafeOpenOptions open;
  open.trust = options.trust;
  CAPSET_ASSIGN_OR_RETURN(SafeParent parent, OpenParentNoFollow(sys, path, open));
  CAPSET_ASSIGN_OR_RETURN(SafeFile f, OpenForReading(sys, parent.dir, parent.name, path, options));
  std::string carry;  // a line whose end is still to come
  auto piece = [&](std::string_view data) {
    if (!carry.empty()) {
      const size_t nl = data.find('\n');
      carry.append(data.substr(0, nl == std::string_view::npos ? nl : nl + 1));
      if (nl == std::string_view::npos) return;
      lines(carry);
      carry.clear();
      data.remove_prefix(nl + 1);
    }
    const size_t last = data.rfind('\n');
    if (last != std::string_view::npos) lines(data.substr(0, last + 1));
    carry.assign(data.substr(last == std::string_view::npos ? 0 : last + 1));
  };
  // Up to the size fstat gave (the buffer need be no larger), and one byte more: a file that
  // grew or shrank meanwhile fails the snapshot check below, as it would with max_bytes.
  Result<size_t> read =
      sys.ReadContentPieces(f.fd.get(), static_cast<size_t>(f.st.st_size), piece);
  if (read.ok() && !carry.empty()) lines(carry);
  return FinishReading(sys, f, read, path);
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

namespace {

// A byte no text capset reads may hold, before the CRLF exception: NUL, a C0 control other than
// tab and newline, or DEL.
bool IsRefused(unsigned char c) { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; }

// Whether the kBlock bytes at `p` hold one that IsRefused. With the compiler's generic vectors
// (SSE2 on x86-64, NEON on arm64, plain words elsewhere) this is a few instructions per 16
// bytes, where a byte loop is one branch per byte: a 10,000-line capability.conf is read on
// every login.
constexpr size_t kBlock = 32;
using Bytes16 = unsigned char __attribute__((vector_size(16)));
bool BlockHoldsRefused(const char* p) {
  Bytes16 any{};
  for (size_t half = 0; half < kBlock; half += sizeof(Bytes16)) {
    Bytes16 v;
    std::memcpy(&v, p + half, sizeof v);
    any |= reinterpret_cast<Bytes16>(((v < 0x20) & (v != '\n') & (v != '\t')) | (v == 0x7f));
  }
  uint64_t words[2];
  std::memcpy(words, &any, sizeof words);
  return (words[0] | words[1]) != 0;
}

ControlCharacter ControlCharacterAt(std::string_view text, size_t at) {
  const std::string_view before = text.substr(0, at);
  const size_t line_start = before.rfind('\n') + 1;  // npos + 1 == 0
  ControlCharacter out;
  out.line = static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1;
  out.column = static_cast<int>(at - line_start) + 1;
  out.offset = at;
  out.byte = static_cast<unsigned char>(text[at]);
  return out;
}

}  // namespace

std::optional<ControlCharacter> FindControlCharacter(std::string_view text, bool allow_crlf) {
  for (size_t i = 0; i < text.size();) {
    if (i + kBlock <= text.size() && !BlockHoldsRefused(text.data() + i)) {
      i += kBlock;
      continue;
    }
    for (const size_t end = std::min(text.size(), i + kBlock); i < end; ++i) {
      if (!IsRefused(static_cast<unsigned char>(text[i]))) continue;
      if (text[i] == '\r' && allow_crlf && i + 1 < text.size() && text[i + 1] == '\n') continue;
      return ControlCharacterAt(text, i);
    }
  }
  return std::nullopt;
}

}  // namespace capset
