// SPDX-License-Identifier: LGPL-2.1-or-later
// PolicyTreeFingerprint (policy_loader.h): what a policy cache compares instead of reading
// and parsing every file again (capsetd authorizes each call against the cached policy).
#include <fcntl.h>

#include <string>

#include "capset/policy_loader.h"
#include "capset/safe_path.h"

namespace capset {
namespace {

void Append(std::string& out, const std::string& name, const struct stat& st) {
  out += name;
  for (const long long v :
       {static_cast<long long>(st.st_dev), static_cast<long long>(st.st_ino),
        static_cast<long long>(st.st_mode), static_cast<long long>(st.st_uid),
        static_cast<long long>(st.st_gid), static_cast<long long>(st.st_nlink),
        static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec),
        static_cast<long long>(st.st_mtim.tv_nsec), static_cast<long long>(st.st_ctim.tv_sec),
        static_cast<long long>(st.st_ctim.tv_nsec)}) {
    out += ':' + std::to_string(v);
  }
  out += '\n';
}

}  // namespace

std::string PolicyTreeFingerprint(SysOps& sys, const std::string& root) {
  std::string out;
  SafeOpenOptions look;
  look.trust = TrustMode::kIgnore;  // only a summary; the loader applies the rule
  Result<SafeDir> base = OpenRoot(sys, root.empty() ? "/" : root, look);
  if (!base.ok()) return "root: " + base.status().message();
  if (Result<struct stat> st = sys.Stat(base->fd.get()); st.ok()) Append(out, root, *st);
  for (const std::string& dir : PolicyDirectories()) {
    Result<std::vector<std::string>> parts = PathBelowRoot(dir);
    if (!parts.ok()) continue;
    Fd cur;
    int at = base->fd.get();
    std::string shown;
    bool whole = true;
    for (const auto& part : *parts) {
      shown += "/" + part;
      Result<Fd> next = sys.OpenBeneath(at, part, O_PATH | O_NOFOLLOW | O_DIRECTORY);
      if (!next.ok()) {
        Result<struct stat> st = sys.StatAt(at, part);  // a file or link where a dir should be
        out += shown + (st.ok() ? " not a directory\n" : " missing\n");
        whole = false;
        break;
      }
      cur = std::move(next).value();
      at = cur.get();
      if (Result<struct stat> st = sys.Stat(at); st.ok()) Append(out, shown, *st);
    }
    if (!whole) continue;
    Result<std::vector<DirEntry>> entries = sys.ReadDirectory(at);
    if (!entries.ok()) {
      out += shown + " unreadable\n";
      continue;
    }
    for (const DirEntry& e : *entries) {
      Result<struct stat> st = sys.StatAt(at, e.name);
      if (st.ok()) Append(out, shown + "/" + e.name, *st);
    }
  }
  return out;
}

}  // namespace capset
