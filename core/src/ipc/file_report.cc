// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/file_report.h"

#include "capset/ipc/json_text.h"

namespace capset {

using nlohmann::json;

json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  json out = json::array();
  for (const auto& d : diagnostics) {
    out.push_back({{"file", d.where.file},
                   {"line", d.where.line},
                   {"column", d.where.column},
                   {"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
                   {"message", d.message}});
  }
  return out;
}

const char* FileResultStatus(const FileResult& r, bool apply, bool dry_run) {
  if (!r.ok()) return "error";
  if (apply) return r.changed ? (dry_run ? "would-change" : "changed") : "ok";
  return r.drift.empty() ? "ok" : "drift";
}

json FileReportJson(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics,
                    bool policy_ok, const FilePolicyOptions& options, ReportEntries which) {
  size_t errors = 0, drifted = 0, changed = 0, fallbacks = 0, removed = 0;
  json entries = json::array();
  for (const auto& r : run.results) {
    errors += !r.ok();
    drifted += r.ok() && !r.drift.empty();
    changed += r.ok() && r.changed;
    fallbacks += r.ok() && r.fallback;
    removed += r.ok() && r.removed && !r.drift.empty();
    if (which == ReportEntries::kNotable && r.ok() && r.drift.empty() && !r.changed &&
        r.warnings.empty()) {
      continue;
    }
    json drift = json::array();
    for (const auto& d : r.drift) {
      drift.push_back({{"kind", DriftKindName(d.kind)}, {"have", d.have}, {"want", d.want}});
    }
    json e = {{"package", r.entry->package},
              {"source", r.entry->where.ToString()},
              {"status", FileResultStatus(r, options.apply, options.dry_run)},
              {"fallback", r.fallback},
              {"removed", r.removed},
              {"drift", std::move(drift)},
              {"warnings", r.warnings}};
    SetPathJson(e, "path", r.path);
    SetPathJson(e, "policy_path", r.entry->path);
    if (!r.ok()) e["error"] = r.error.message();
    entries.push_back(std::move(e));
  }
  return {{"ok", policy_ok && errors == 0 && (options.apply || drifted == 0)},
          {"entries", std::move(entries)},
          {"diagnostics", DiagnosticsJson(diagnostics)},
          {"record",
           {{"path", run.record_path},
            {"error", run.record_status.ok() ? json(nullptr) : json(run.record_status.message())},
            {"removals_skipped", run.removals_skipped}}},
          {"summary",
           {{"entries", run.results.size()},
            {"errors", errors},
            {"drift", drifted},
            {options.dry_run ? "would_change" : "changed", changed},
            {"setuid_fallbacks", fallbacks},
            {"removed", removed}}}};
}

std::string DriftTextJson(const json& drift) {
  std::string out;
  for (const auto& d : drift) {
    if (!out.empty()) out += ", ";
    const std::string have = d.value("have", ""), want = d.value("want", "");
    out += d.value("kind", "?") + " " + (have.empty() ? "none" : have) + " -> " +
           (want.empty() ? "none" : want);
  }
  return out;
}

}  // namespace capset
