// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — Scan: reading the file capabilities of files and whole trees, getcap-compatible.
//
// Records come out in exactly the order getcap(8) prints them: the roots in argument order;
// with `recursive`, each tree in pre-order with the entries of a directory in the order the
// filesystem returns them (nftw(3) with FTW_PHYS). Like nftw, only directories and symbolic
// links count as "not a regular file" in a recursive walk; other non-directories (devices,
// FIFOs) are read like files. Without `recursive`, anything lstat(2) does not call a regular
// file is "not a regular file".
//
// The walk reads each directory with getdents64 and each candidate file's security.capability
// with one getxattrat(2) relative to the directory: no stat per entry (unless the filesystem
// gives no d_type, or `one_file_system` asks for device numbers). Directories are read by a
// pool of threads; records are still delivered in order, on the calling thread.
// Thread-safety: Scan may be called from any thread; the sink is called on the caller's thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "capset/status.h"
#include "capset/vfs_cap.h"

namespace capset {

struct ScanOptions {
  bool recursive = false;
  /// Do not descend into (or report) entries on another filesystem than their root.
  bool one_file_system = false;
  /// Also report files without capabilities and entries that are not regular files (getcap -v).
  bool list_all = false;
  /// Worker threads for a recursive walk; 0 = one per online CPU.
  unsigned threads = 0;
};

struct ScanRecord {
  enum class Kind { kCaps, kNoCaps, kNotRegular, kError };
  Kind kind = Kind::kNoCaps;
  std::string path;
  VfsCap caps;   ///< kCaps only
  Status error;  ///< kError only; the message names the path
};

using ScanSink = std::function<void(const ScanRecord&)>;

/// Scans `roots` and calls `sink` for every record (kNoCaps and kNotRegular only with
/// list_all). Errors are records, not a return value: the walk goes on past them.
void Scan(const std::vector<std::string>& roots, const ScanOptions& options, const ScanSink& sink);

}  // namespace capset
