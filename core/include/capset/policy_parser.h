// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — parsing one policy document (YAML) into a Policy.
//
// Strict: unknown keys, unknown capability names, wrong types and duplicate entries are
// errors; every error names file:line:column and what was expected. Parsing goes on after an
// error to report as many as possible; a document with any error must not be used.
// libyaml reads the YAML (core/src/yaml/, the only code that includes <yaml.h>); no exception
// escapes.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "capset/policy.h"

namespace capset {

struct ParsedPolicy {
  Policy policy;
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  ///< no error-severity diagnostic
};

/// Parses `text`; `filename` names it in locations.
ParsedPolicy ParsePolicy(std::string_view text, const std::string& filename);

inline constexpr int kPolicyVersion = 1;

}  // namespace capset
