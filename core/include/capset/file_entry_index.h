// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the file entries of a policy by path, as positions in its vector: the duplicate
// check of the policy parser and of the merge of policy files, which see every entry of a
// package's policy (thousands), copy no path and no source location to make it.
// Thread-safety: none; the vector must outlive the index and only grow while it is used.
#pragma once

#include <cstddef>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "capset/policy.h"

namespace capset {

class FileEntryIndex {
 public:
  /// Indexes every entry `files` holds now (their paths must differ).
  explicit FileEntryIndex(const std::vector<FileEntry>& files);

  /// The indexed entry for `path`, or null.
  const FileEntry* Find(std::string_view path) const;
  /// Indexes files[i], whose path is not indexed yet.
  void Add(size_t i);

 private:
  struct Hash {
    using is_transparent = void;
    const std::vector<FileEntry>* files;
    size_t operator()(std::string_view path) const;
    size_t operator()(size_t i) const;
  };
  struct Equal {
    using is_transparent = void;
    const std::vector<FileEntry>* files;
    std::string_view Path(std::string_view path) const { return path; }
    std::string_view Path(size_t i) const { return (*files)[i].path; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return Path(a) == Path(b);
    }
  };

  const std::vector<FileEntry>* files_;
  std::unordered_set<size_t, Hash, Equal> positions_;
};

}  // namespace capset
