// capset — finding and loading the layered policy directories.
//
// Files are ROOT/{etc,run,usr/lib}/capset/policy.d/*.yaml. As with systemd units, a file name
// in /etc hides the same name in /run and /usr/lib, and /run hides /usr/lib; a file that is
// empty or a symlink to /dev/null masks the name. The surviving files are read in file-name
// order. A file with any error is skipped whole (and reported), so one broken package file
// never takes the others down; an entry that repeats one from an earlier file is an error too.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "capset/policy.h"
#include "capset/status.h"

namespace capset {

/// `path` (absolute) inside the system image at `root`: "/" and "" mean the running system,
/// and one trailing '/' of root is ignored ("/img/" + "/usr" = "/img/usr").
std::string RootedPath(const std::string& root, const std::string& path);

/// ROOT-relative policy directories, highest priority first.
std::vector<std::string> PolicyDirectories(const std::string& root);

struct LoadedPolicy {
  Policy policy;                        ///< the merged good files
  std::vector<Diagnostic> diagnostics;  ///< every problem, with file:line:column
  std::vector<std::string> skipped;     ///< files left out because of errors
  bool ok() const;                      ///< no error at all
};

/// Loads the layered directories under `root` ("/" for the running system).
LoadedPolicy LoadPolicyTree(const std::string& root);

/// Loads exactly these files, in this order (capctl policy check FILE...).
LoadedPolicy LoadPolicyFiles(const std::vector<std::string>& paths);

/// Files larger than this are refused (a policy is a few kilobytes).
inline constexpr size_t kMaxPolicyFileSize = 4 << 20;

}  // namespace capset
