// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/policy_loader.h"

#include <dirent.h>
#include <time.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "capset/config.h"
#include "capset/file_entry_index.h"
#include "capset/parallel.h"
#include "capset/policy_parser.h"
#include "capset/trusted_file.h"

namespace capset {
namespace {

// One file to read: in `dir` (held open), named `name`, shown as `shown`.
struct PolicyFileRef {
  const SafeDir* dir = nullptr;  ///< null: `shown` is a path of the running system
  std::string name;
  std::string shown;
};

// Appends `from` to `into`, refusing entries that an earlier file already defined.
struct Seen {
  /// Made when a second file's entries arrive: each file's paths differ already (the parser
  /// refuses a duplicate), so a tree of one policy file needs none.
  std::optional<FileEntryIndex> files;
  std::unordered_map<std::string, SourceLocation> services;
};

void Merge(Policy& into, ParsedPolicy& from, Seen& seen, std::vector<Diagnostic>& diags) {
  auto defined = [&](const SourceLocation& where, const char* what, const std::string& key,
                     const SourceLocation& first) {
    diags.push_back({Diagnostic::Severity::kError, where,
                     std::string(what) + " '" + key + "' is already defined at " +
                         first.ToString() + ", ignoring this one"});
  };
  into.files.reserve(into.files.size() + from.policy.files.size());
  if (into.files.empty() && !seen.files) {
    std::move(from.policy.files.begin(), from.policy.files.end(), std::back_inserter(into.files));
  } else {
    if (!seen.files) seen.files.emplace(into.files);
    for (auto& f : from.policy.files) {
      if (const FileEntry* first = seen.files->Find(f.path)) {
        defined(f.where, "file entry", f.path, first->where);
        continue;
      }
      into.files.push_back(std::move(f));
      seen.files->Add(into.files.size() - 1);
    }
  }
  for (auto& s : from.policy.services) {
    auto [it, inserted] = seen.services.emplace(s.name, s.where);
    if (!inserted) {
      defined(s.where, "service", s.name, it->second);
      continue;
    }
    into.services.push_back(std::move(s));
  }
  for (auto& u : from.policy.users) into.users.push_back(std::move(u));
  for (auto& r : from.policy.capsetd_allow) into.capsetd_allow.push_back(std::move(r));
  for (auto& src : from.policy.sources) into.sources.push_back(std::move(src));
}

Diagnostic ErrorAt(const std::string& file, std::string message) {
  return {Diagnostic::Severity::kError, {file, 0, 0}, std::move(message)};
}

// What a linter (TrustMode::kReport) says of a file or directory that would be refused.
Diagnostic UntrustedWarning(const std::string& file, const std::string& why) {
  return {Diagnostic::Severity::kWarning,
          {file, 0, 0},
          why + "; every component that acts on the policy refuses it"};
}

// Reads, checks and parses each file (on every CPU if allowed), then merges in order.
LoadedPolicy ReadAndMerge(SysOps& sys, const std::vector<PolicyFileRef>& refs,
                          const PolicyLoadOptions& options, LoadedPolicy out) {
  struct Parsed {
    Status read_error;
    ParsedPolicy parsed;
    std::optional<std::string> untrusted;
    bool unsettled = false;
  };
  std::vector<Parsed> results(refs.size());
  TrustedReadOptions read;
  read.max_bytes = kMaxPolicyFileSize;
  read.trust = options.trust;
  auto one = [&](size_t i) {
    const PolicyFileRef& ref = refs[i];
    Result<TrustedText> text = ref.dir ? ReadTrustedFileAt(sys, *ref.dir, ref.name, ref.shown, read)
                                       : ReadTrustedFile(sys, ref.shown, read);
    if (!text.ok()) {
      results[i].read_error = text.status();
      return;
    }
    results[i].untrusted = text->untrusted;
    results[i].unsettled = Unsettled(text->st.st_ctim, sys.Now());
    results[i].parsed = ParsePolicy(text->text, ref.shown);
  };
  if (options.parallel) {
    ParallelFor(refs.size(), 16, one);
  } else {
    for (size_t i = 0; i < refs.size(); ++i) one(i);
  }

  Seen seen;
  for (size_t i = 0; i < refs.size(); ++i) {
    const std::string& path = refs[i].shown;
    if (!results[i].read_error.ok()) {
      out.diagnostics.push_back(ErrorAt(path, results[i].read_error.message()));
      out.skipped.push_back(path);
      continue;
    }
    if (results[i].untrusted) {
      out.diagnostics.push_back(UntrustedWarning(path, *results[i].untrusted));
    }
    ParsedPolicy& parsed = results[i].parsed;
    const bool good = parsed.ok();
    for (auto& d : parsed.diagnostics) out.diagnostics.push_back(std::move(d));
    if (!good) {
      out.skipped.push_back(path);
      continue;
    }
    if (results[i].unsettled) out.unsettled.push_back(path);
    Merge(out.policy, parsed, seen, out.diagnostics);
  }
  return out;
}

}  // namespace

std::string RootedPath(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
}

std::vector<std::string> PolicyDirectories() {
  return {CAPSET_SYSCONF_DIR "/policy.d", CAPSET_RUNTIME_DIR "/policy.d",
          CAPSET_PKGLIB_DIR "/policy.d"};
}

bool LoadedPolicy::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

LoadedPolicy LoadPolicyFiles(SysOps& sys, const std::vector<std::string>& paths,
                             const PolicyLoadOptions& options) {
  std::vector<PolicyFileRef> refs;
  refs.reserve(paths.size());
  for (const auto& p : paths) refs.push_back({nullptr, "", p});
  return ReadAndMerge(sys, refs, options, LoadedPolicy{});
}

LoadedPolicy LoadPolicyFiles(const std::vector<std::string>& paths,
                             const PolicyLoadOptions& options) {
  return LoadPolicyFiles(RealSys(), paths, options);
}

LoadedPolicy LoadPolicyTree(SysOps& sys, const std::string& root,
                            const PolicyLoadOptions& options) {
  LoadedPolicy out;
  SafeOpenOptions walk;
  walk.trust = options.trust;
  Result<SafeDir> base = OpenRoot(sys, root.empty() ? "/" : root, walk);
  if (!base.ok()) {
    out.diagnostics.push_back(ErrorAt(root, base.status().message()));
    return out;
  }
  std::vector<std::unique_ptr<SafeDir>> dirs;
  std::map<std::string, PolicyFileRef> by_name;  // name -> the highest-priority file
  std::set<std::string> masked;
  for (const auto& [name, path] : options.staged) {
    if (!path.empty()) by_name[name] = {nullptr, name, path};
  }
  const std::string first_dir = PolicyDirectories().front();
  for (const auto& dir_path : PolicyDirectories()) {
    const std::string shown = RootedPath(root, dir_path);
    Result<SafeDir> dir = OpenDirectoryBelow(sys, *base, dir_path, walk);
    if (!dir.ok()) {
      // A missing directory is an empty one; anything else (untrusted, a symbolic link,
      // unreadable) is an error: the files in it cannot be vouched for.
      if (dir.status().code() != Code::kNotFound) {
        out.diagnostics.push_back(
            ErrorAt(shown, dir.status().message() + "; no policy file in it is read"));
      }
      continue;
    }
    if (dir->untrusted) {
      out.diagnostics.push_back(UntrustedWarning(shown, *dir->untrusted));
    }
    Result<std::vector<DirEntry>> entries = ListTrustedDirectory(sys, *dir, ".yaml");
    if (!entries.ok()) {
      out.diagnostics.push_back(ErrorAt(shown, entries.status().message()));
      continue;
    }
    dirs.push_back(std::make_unique<SafeDir>(std::move(dir).value()));
    const SafeDir* held = dirs.back().get();
    for (const DirEntry& e : *entries) {
      if (by_name.count(e.name) || masked.count(e.name)) continue;  // hidden by a higher dir
      if (dir_path == first_dir && options.staged.count(e.name)) continue;  // staged instead
      if (e.type == DT_LNK || e.type == DT_UNKNOWN) {
        Result<std::string> target = sys.ReadLinkAt(held->fd.get(), e.name);
        if (target.ok() && *target == "/dev/null") {
          masked.insert(e.name);
          continue;
        }
      }
      by_name[e.name] = {held, e.name, shown + "/" + e.name};
    }
  }
  std::vector<PolicyFileRef> refs;
  refs.reserve(by_name.size());
  for (auto& [name, ref] : by_name) refs.push_back(std::move(ref));
  return ReadAndMerge(sys, refs, options, std::move(out));
}

LoadedPolicy LoadPolicyTree(const std::string& root, const PolicyLoadOptions& options) {
  return LoadPolicyTree(RealSys(), root, options);
}

}  // namespace capset
