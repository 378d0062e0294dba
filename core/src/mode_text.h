// SPDX-License-Identifier: LGPL-2.1-or-later
// capset (internal) — permission bits as messages show them ("0755").
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>

namespace capset {

inline std::string OctalMode(mode_t mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

}  // namespace capset
