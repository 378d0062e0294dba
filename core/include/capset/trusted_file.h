// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the one reader of files capset takes authority from: capability.conf, policy files
// and their directories, unit templates, the record of applied files.
//
// SECURITY: each is opened by the contained, symlink-free walk of safe_path.h, so it and
// every directory above it pass the trust rule (trust.h) — or, with TrustMode::kReport, the
// reason is handed back for a linter to print — and must be a regular file: it is opened
// O_PATH first and fstat'ed, then reopened O_NONBLOCK, so a FIFO or a device can never block
// or feed a reader. The content is read as one consistent snapshot: a file whose size, inode,
// mtime or ctime changes while it is read, or that ends before its size, is refused (so a
// file being edited in place is never taken for its valid prefix).
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capset/safe_path.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

struct TrustedReadOptions {
  size_t max_bytes = 4 << 20;  ///< a larger file is refused (kInvalidArgument)
  TrustMode trust = TrustMode::kRequire;
  TrustRule rule;  ///< who besides root may own the file
};

struct TrustedText {
  std::string text;
  struct stat st {};                     ///< as it was while read
  std::string path;                      ///< as shown in messages
  std::optional<std::string> untrusted;  ///< TrustMode::kReport: why it would be refused
};

/// Reads `name` in the directory `dir` (opened by safe_path.h); `shown` names it in messages.
/// Errors: those of OpenRegularFileAt, kInvalidArgument (too large), kIoError (changed while
/// read, or a read error).
Result<TrustedText> ReadTrustedFileAt(SysOps& sys, const SafeDir& dir, const std::string& name,
                                      const std::string& shown, const TrustedReadOptions& options);

/// Reads `path` (absolute, or relative to the working directory) on the running system.
Result<TrustedText> ReadTrustedFile(SysOps& sys, const std::string& path,
                                    const TrustedReadOptions& options);

/// As ReadTrustedFile, but the content is handed to `lines` as it is read, through a fixed
/// buffer (nothing the size of the file is allocated), in pieces of whole lines: each ends
/// with '\n' but the file's last, which may lack it. The snapshot is checked after the last
/// piece, so whatever `lines` made of them must be thrown away unless this returns ok. The
/// returned TrustedText's `text` is empty.
Result<TrustedText> ReadTrustedFileLines(SysOps& sys, const std::string& path,
                                         const TrustedReadOptions& options,
                                         const std::function<void(std::string_view)>& lines);

/// The entries of `dir` whose name ends in `suffix` and does not start with '.', sorted by
/// name. Symbolic links are listed too (a policy directory masks a name with a link to
/// /dev/null); reading one is refused.
Result<std::vector<DirEntry>> ListTrustedDirectory(SysOps& sys, const SafeDir& dir,
                                                   const std::string& suffix);

/// The first byte of `text` that no text capset reads may hold: NUL, or an ASCII control
/// character other than tab and newline (with `allow_crlf`, a carriage return right before a
/// newline is accepted, as YAML has it). Returns its 1-based line and column and its offset in
/// `text`, or nullopt.
struct ControlCharacter {
  int line = 0, column = 0;
  size_t offset = 0;
  unsigned char byte = 0;
  std::string Describe() const;  ///< "a NUL byte", "a control character (0x0d)"
};
std::optional<ControlCharacter> FindControlCharacter(std::string_view text, bool allow_crlf);

}  // namespace capset
