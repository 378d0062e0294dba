// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — hardening profiles ("unit templates") that services reference by name.
//
// A template is a systemd drop-in fragment, NAME.conf, with a [Service] section and a few
// "# key: value" header lines capset reads:
//   # capset-template: NAME
//   # description: one line
//   # exposure: 1.9        (systemd-analyze security --offline=yes, measured on a sample)
//   [Service]
//   ProtectSystem=strict
//   ...
// Templates are looked up in ROOT/etc/capset/unit-templates (admin) and then
// ROOT/usr/lib/capset/unit-templates (shipped), or in an explicit directory.
// Thread-safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capset/safe_path.h"
#include "capset/status.h"

namespace capset {

struct UnitTemplate {
  std::string name;
  std::string path;
  std::string description;
  std::optional<double> exposure;
  std::vector<std::pair<std::string, std::string>> settings;  ///< in file order
  /// Read with TrustMode::kReport: why the file would be refused, if it would.
  std::optional<std::string> untrusted;
};

/// Parses a template file's text. Errors name path:line.
Result<UnitTemplate> ParseUnitTemplate(const std::string& text, const std::string& name,
                                       const std::string& path);

/// Template directories under `root`, highest priority first.
std::vector<std::string> TemplateDirectories(const std::string& root);

/// Finds and parses template `name` in `dirs` (first hit wins), read by the trust rule
/// (trusted_file.h; kReport fills UnitTemplate::untrusted instead of refusing).
Result<UnitTemplate> LoadUnitTemplate(const std::string& name, const std::vector<std::string>& dirs,
                                      TrustMode trust = TrustMode::kRequire);

/// Names of all templates in `dirs` (deduplicated, sorted).
std::vector<std::string> ListUnitTemplates(const std::vector<std::string>& dirs);

}  // namespace capset
