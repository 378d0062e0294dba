#include "diagnostics.h"

#include <cstdio>

namespace capset::capctl {

void PrintDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
}

nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"file", d.where.file},
                   {"line", d.where.line},
                   {"column", d.where.column},
                   {"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace capset::capctl
