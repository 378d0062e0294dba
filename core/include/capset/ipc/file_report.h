// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the report of a policy apply/verify as JSON: what `capctl policy ... --json`
// prints and what capsetd's io.capset.Files.Apply/Verify return (io.capset.Files.varlink),
// so that capctl renders a local run and a daemon's reply with the same code.
//
//   {"ok": bool, "entries": [Entry...], "diagnostics": [Diagnostic...], "summary": {...}}
//   Entry: {"path", "policy_path", "package", "source", "status", "fallback",
//           "drift": [{"kind", "have", "want"}], "warnings": [...], "error"?}
// Thread-safety: functions of their arguments.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "capset/file_policy.h"
#include "capset/file_policy_run.h"
#include "capset/policy.h"

namespace capset {

/// [{"file", "line", "column", "severity", "message"}, ...]
nlohmann::json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics);

/// "ok", "changed", "would-change", "drift" or "error".
const char* FileResultStatus(const FileResult& r, bool apply, bool dry_run);

/// The report's "summary": counts over every entry of the run.
struct FileRunSummary {
  size_t entries = 0;
  size_t errors = 0;
  size_t drifted = 0;    ///< found different from the policy (before any change)
  size_t changed = 0;    ///< apply wrote (with dry_run: would write)
  size_t fallbacks = 0;  ///< the setuid fallback is used
  size_t removed = 0;    ///< no longer in the policy, and what capset gave them is taken away

  /// The report's "ok": the policy read without errors, no entry failed, and (verify) none
  /// has drift.
  bool Ok(bool policy_ok, const FilePolicyOptions& options) const {
    return policy_ok && errors == 0 && (options.apply || drifted == 0);
  }
};
FileRunSummary SummarizeFileRun(const FilePolicyRun& run);

/// Whether the text form shows `r`: an error, drift, a change or a warning (a no-op apply of
/// 10,000 entries shows none of them).
bool NotableResult(const FileResult& r);

/// The whole report as compact JSON text (what capsetd replies). `policy_ok`: the policy was
/// read without errors.
std::string FileReportText(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics,
                           bool policy_ok, const FilePolicyOptions& options);

/// The same report as a tree (capctl --json prints it indented).
nlohmann::json FileReportJson(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics,
                              bool policy_ok, const FilePolicyOptions& options);

}  // namespace capset
