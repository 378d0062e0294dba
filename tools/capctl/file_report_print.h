// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — the text form of a policy apply | verify | diff report: diagnostics, warnings and
// errors on stderr, one line per change or drift on stdout, the summary line on stderr.
// One printer for a local run and for capsetd's reply (its JSON, capset/ipc/file_report.h),
// so the two cannot differ. A local run is printed from its results: an apply of 10,000
// files spent a fifth of its time parsing its own report back into a JSON tree to print it.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "capset/file_policy.h"
#include "capset/file_policy_run.h"
#include "capset/ipc/file_report.h"

namespace capset::capctl {

enum class PolicyVerb { kApply, kVerify, kDiff };

/// A local run's report (what FileReportText would say of it, as text): its entries, then
/// its end.
void PrintFileReport(const PolicyTreeRun& tree, PolicyVerb verb, const FilePolicyOptions& options);
/// The first part of it: the policy's diagnostics and each notable entry's lines, which need
/// only the results (so capctl prints them while the record is saved).
void PrintFileReportEntries(const LoadedPolicy& loaded, const std::vector<FileResult>& results,
                            PolicyVerb verb, const FilePolicyOptions& options);
/// The rest: the record's warnings and the summary line.
void PrintFileReportEnd(const FilePolicyRun& run, PolicyVerb verb,
                        const FilePolicyOptions& options);

/// capsetd's reply. Throws nlohmann::json::exception on a member of the wrong type.
void PrintFileReport(const nlohmann::json& report, PolicyVerb verb, bool dry_run);

/// The counts of capsetd's reply's "summary" (its "would_change" as `changed` for a dry run).
FileRunSummary ReportSummary(const nlohmann::json& summary, bool dry_run);

}  // namespace capset::capctl
