// SPDX-License-Identifier: LGPL-2.1-or-later
#include "diagnostics.h"

#include <cstdio>

#include "capset/printable.h"

namespace capset::capctl {

void PrintDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics)
    std::fprintf(stderr, "%s\n", ControlsEscaped(d.ToString()).c_str());
}

}  // namespace capset::capctl
