// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — printing policy and lint diagnostics.
#pragma once

#include <vector>

#include "capset/ipc/file_report.h"
#include "capset/policy.h"

namespace capset::capctl {

/// One "FILE:LINE:COLUMN: error: MESSAGE" line per diagnostic, on stderr.
void PrintDiagnostics(const std::vector<Diagnostic>& diagnostics);

// DiagnosticsJson (capset/ipc/file_report.h) gives their JSON form.

}  // namespace capset::capctl
