// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_entry_index.h"

#include <functional>

namespace capset {

size_t FileEntryIndex::Hash::operator()(std::string_view path) const {
  return std::hash<std::string_view>()(path);
}

size_t FileEntryIndex::Hash::operator()(size_t i) const { return (*this)((*files)[i].path); }

FileEntryIndex::FileEntryIndex(const std::vector<FileEntry>& files)
    : files_(&files), positions_(files.size(), Hash{&files}, Equal{&files}) {
  for (size_t i = 0; i < files.size(); ++i) positions_.insert(i);
}

const FileEntry* FileEntryIndex::Find(std::string_view path) const {
  const auto it = positions_.find(path);
  return it == positions_.end() ? nullptr : &(*files_)[*it];
}

void FileEntryIndex::Add(size_t i) { positions_.insert(i); }

}  // namespace capset
