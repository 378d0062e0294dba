// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place where errno becomes a Status.
#pragma once

#include <string>

#include "capset/status.h"

namespace capset {

/// Status for a failed system call: code derived from `err`, message "<context>: <strerror>"
/// or just "<strerror>" when context is empty.
Status FromErrno(int err, const std::string& context = "");

}  // namespace capset
