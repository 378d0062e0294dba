// capctl — printing policy and lint diagnostics.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "capset/policy.h"

namespace capset::capctl {

/// One "FILE:LINE:COLUMN: error: MESSAGE" line per diagnostic, on stderr.
void PrintDiagnostics(const std::vector<Diagnostic>& diagnostics);

/// [{"file", "line", "column", "severity", "message"}, ...]
nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

}  // namespace capset::capctl
