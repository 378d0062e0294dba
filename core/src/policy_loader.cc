#include "capset/policy_loader.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "capset/fd.h"
#include "capset/parallel.h"
#include "capset/policy_parser.h"

namespace capset {
namespace {

Result<std::string> ReadSmallFile(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    return Status(Code::kIoError, std::string("Failed to open: ") + std::strerror(errno), errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status(Code::kInvalidArgument, "not a regular file");
  }
  if (static_cast<size_t>(st.st_size) > kMaxPolicyFileSize) {
    return Status(Code::kInvalidArgument, "larger than " + std::to_string(kMaxPolicyFileSize) +
                                              " bytes, refusing to read it");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd.get(), data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

// A symlink to /dev/null masks the name. (An empty file needs no test: it is an empty policy,
// and like any file it hides the same name in lower directories.)
bool IsMask(const std::string& path) {
  char target[16] = {};
  return ::readlink(path.c_str(), target, sizeof target - 1) > 0 &&
         std::strcmp(target, "/dev/null") == 0;
}

// Appends `from` to `into`, refusing entries that an earlier file already defined.
struct Seen {
  std::unordered_map<std::string, SourceLocation> files, services;
};

void Merge(Policy& into, ParsedPolicy& from, Seen& seen, std::vector<Diagnostic>& diags) {
  auto first = [&](std::unordered_map<std::string, SourceLocation>& index, const std::string& key,
                   const SourceLocation& where, const std::string& what) {
    auto [it, inserted] = index.emplace(key, where);
    if (!inserted) {
      diags.push_back(
          {Diagnostic::Severity::kError, where,
           what + " is already defined at " + it->second.ToString() + ", ignoring this one"});
    }
    return inserted;
  };
  for (auto& f : from.policy.files) {
    if (first(seen.files, f.path, f.where, "file entry '" + f.path + "'")) {
      into.files.push_back(std::move(f));
    }
  }
  for (auto& s : from.policy.services) {
    if (first(seen.services, s.name, s.where, "service '" + s.name + "'")) {
      into.services.push_back(std::move(s));
    }
  }
  for (auto& u : from.policy.users) into.users.push_back(std::move(u));
  for (auto& r : from.policy.capsetd_allow) into.capsetd_allow.push_back(std::move(r));
  for (auto& src : from.policy.sources) into.sources.push_back(std::move(src));
}

}  // namespace

std::string RootedPath(const std::string& root, const std::string& path) {
  if (root.empty() || root == "/") return path;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
}

std::vector<std::string> PolicyDirectories(const std::string& root) {
  return {RootedPath(root, "/etc/capset/policy.d"), RootedPath(root, "/run/capset/policy.d"),
          RootedPath(root, "/usr/lib/capset/policy.d")};
}

bool LoadedPolicy::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

LoadedPolicy LoadPolicyFiles(const std::vector<std::string>& paths) {
  // Reading and parsing are independent per file and most of the cost at boot: do them on
  // every CPU, then merge in file order (the result does not depend on the
  // number of threads).
  struct Parsed {
    Status read_error;
    ParsedPolicy parsed;
  };
  std::vector<Parsed> results(paths.size());
  ParallelFor(paths.size(), 16, [&](size_t i) {
    Result<std::string> text = ReadSmallFile(paths[i]);
    if (!text.ok()) {
      results[i].read_error = text.status();
    } else {
      results[i].parsed = ParsePolicy(*text, paths[i]);
    }
  });

  LoadedPolicy out;
  Seen seen;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!results[i].read_error.ok()) {
      out.diagnostics.push_back(
          {Diagnostic::Severity::kError, {paths[i], 0, 0}, results[i].read_error.message()});
      out.skipped.push_back(paths[i]);
      continue;
    }
    ParsedPolicy& parsed = results[i].parsed;
    const bool good = parsed.ok();
    for (auto& d : parsed.diagnostics) out.diagnostics.push_back(std::move(d));
    if (!good) {
      out.skipped.push_back(paths[i]);
      continue;
    }
    Merge(out.policy, parsed, seen, out.diagnostics);
  }
  return out;
}

LoadedPolicy LoadPolicyTree(const std::string& root) {
  std::map<std::string, std::string> by_name;  // name -> path of the highest-priority file
  std::set<std::string> masked;
  for (const auto& dir : PolicyDirectories(root)) {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;  // a missing directory is an empty one
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.size() <= 5 || name.compare(name.size() - 5, 5, ".yaml") != 0 || name[0] == '.') {
        continue;
      }
      if (by_name.count(name) || masked.count(name)) continue;  // hidden by a higher directory
      const std::string path = dir + "/" + name;
      if ((e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) && IsMask(path)) {
        masked.insert(name);
      } else {
        by_name[name] = path;
      }
    }
    ::closedir(d);
  }
  std::vector<std::string> paths;
  paths.reserve(by_name.size());
  for (const auto& [name, path] : by_name) paths.push_back(path);
  return LoadPolicyFiles(paths);
}

}  // namespace capset
