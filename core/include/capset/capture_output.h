// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — running a helper program and reading what it prints (systemd-analyze, say).
#pragma once

#include <string>
#include <vector>

#include "capset/status.h"

namespace capset {

/// Runs `argv` (argv[0] looked up in PATH; stdin and stderr /dev/null) and returns its
/// standard output, at most `limit` bytes; an error when it cannot run or exits non-zero.
Result<std::string> CaptureOutput(const std::vector<std::string>& argv, size_t limit = 1 << 20);

}  // namespace capset
