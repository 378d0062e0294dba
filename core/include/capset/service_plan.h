// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what capctl unit and capset-generator both do before writing a drop-in: look up
// each service's template and run the lint checks. One implementation, so the generator
// refuses exactly what `capctl unit lint` reports as an error.
// Thread-safety: reentrant.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capset/policy.h"
#include "capset/safe_path.h"
#include "capset/unit_gen.h"
#include "capset/unit_template.h"

namespace capset {

struct PlannedService {
  const ServicePolicy* service = nullptr;
  std::shared_ptr<const UnitTemplate> tmpl;  ///< null: no template (or not found)
  std::vector<Diagnostic> findings;
  bool ok() const;  ///< no error: the drop-in may be written
};

/// Plans `policy`'s services (only those named in `only`, if it is not empty). Unknown
/// templates and lint errors are findings of the service. Templates are read once each, by
/// the trust rule as `template_trust` says (kReport: an untrusted template is a warning).
std::vector<PlannedService> PlanServices(const Policy& policy,
                                         const std::vector<std::string>& template_dirs,
                                         const LintOptions& options,
                                         const std::vector<std::string>& only = {},
                                         TrustMode template_trust = TrustMode::kRequire);

/// What capset-generator plans at boot for `policy` of the system at `root` (only the
/// services in `only`, if not empty): the root's template directories, and the lint it can
/// run there, with no I/O beyond the policy (its own files: entries for file capabilities).
/// `capctl unit verify` compares the drop-ins on disk with exactly this.
std::vector<PlannedService> PlanGeneratorServices(const Policy& policy, const std::string& root,
                                                  const std::vector<std::string>& only = {});

/// A file-capability lookup over the policy's files: entries (for LintOptions::file_caps).
std::function<std::optional<FileCaps>(const std::string&)> PolicyFileCaps(const Policy& policy);

}  // namespace capset
