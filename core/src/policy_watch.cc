// SPDX-License-Identifier: LGPL-2.1-or-later
// PolicyTreeWatch (policy_loader.h): what a policy cache compares instead of reading and
// parsing every file again (capsetd authorizes each call against the cached policy).
#include <string>

#include "capset/policy_loader.h"

namespace capset {

StatWatch PolicyTreeWatch(SysOps& sys, const std::string& root) {
  StatWatch watch;
  // From "/": the loader applies the trust rule to the root's ancestors too.
  if (!watch.AddWithAncestors(sys, RootedPath(root, "/"), /*whole=*/false)) return watch;
  for (const std::string& dir : PolicyDirectories()) {
    const std::string path = RootedPath(root, dir);
    // Stops at a missing directory, or a file or link where a directory should be.
    if (!watch.AddWithAncestors(sys, path)) continue;
    // The entries as they are after the directory's status was taken: one added since shows
    // as the directory's new mtime.
    SafeOpenOptions look;
    look.trust = TrustMode::kIgnore;  // only a summary; the loader applies the rule
    Result<SafeDir> opened = OpenDirectoryNoFollow(sys, path, look);
    if (!opened.ok()) continue;  // the directory's status already says what it is
    Result<std::vector<DirEntry>> entries = sys.ReadDirectory(opened->fd.get());
    if (!entries.ok()) continue;
    for (const DirEntry& e : *entries) watch.Add(sys, path + "/" + e.name);
  }
  return watch;
}

}  // namespace capset
