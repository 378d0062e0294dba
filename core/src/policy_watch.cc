// SPDX-License-Identifier: LGPL-2.1-or-later
// PolicyTreeWatch (policy_loader.h): what a policy cache compares instead of reading and
// parsing every file again (capsetd authorizes each call against the cached policy).
#include <string>

#include "capset/policy_loader.h"

namespace capset {

StatWatch PolicyTreeWatch(SysOps& sys, const std::string& root) {
  StatWatch watch;
  const std::string base = root.empty() || root == "/" ? "" : root;
  // The root's own ancestors count: the loader applies the trust rule to them too.
  if (!watch.AddWithAncestors(sys, base.empty() ? "/" : base)) return watch;
  for (const std::string& dir : PolicyDirectories()) {
    Result<std::vector<std::string>> parts = PathBelowRoot(dir);
    if (!parts.ok()) continue;
    std::string path = base;
    bool whole = true;
    for (const auto& part : *parts) {
      path += "/" + part;
      if (!watch.Add(sys, path)) {  // missing, or a file or link where a directory should be
        whole = false;
        break;
      }
    }
    if (!whole) continue;
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
