// SPDX-License-Identifier: LGPL-2.1-or-later
#include <string>
#include <string_view>
#include <utility>

#include "capset/profile.h"

namespace capset {

extern const std::pair<int, const char*> kSyscallNames[];  // syscall_names.cc (generated)
extern const unsigned kSyscallNameCount;

std::string SyscallName(int nr) {
  for (unsigned i = 0; i < kSyscallNameCount; ++i) {
    if (kSyscallNames[i].first == nr) return kSyscallNames[i].second;
  }
  return nr < 0 ? "no system call" : "syscall " + std::to_string(nr);
}

bool SyscallKnown(std::string_view name) {
  for (unsigned i = 0; i < kSyscallNameCount; ++i) {
    if (name == kSyscallNames[i].second) return true;
  }
  return false;
}

}  // namespace capset
