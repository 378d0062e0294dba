// SPDX-License-Identifier: LGPL-2.1-or-later
#include "file_report_print.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capset/ipc/file_report.h"
#include "capset/ipc/json_text.h"
#include "capset/utf8.h"
#include "cli.h"

namespace capset::capctl {
namespace {

struct DriftLine {
  std::string_view kind, have, want;
};

// One entry as the text form shows it. The views point into the run or the reply; text that
// is not UTF-8 is shown as its JSON reads back (each bad byte U+FFFD), from either source.
struct EntryLines {
  std::string_view path, source;
  std::optional<std::string_view> error;  ///< the entry failed
  bool fallback = false, removed = false;
  std::vector<std::string_view> warnings;
  std::vector<DriftLine> drift;
};

// The end of the report.
struct ReportEnd {
  std::optional<std::string> record_error;
  bool removals_skipped = false;
  FileRunSummary summary;
};

// An entry's lines on stdout, one line each: the path, its source and the values are made
// Printable (a policy may name a path with a newline, and --root may hold one). `line` and
// `drift` are the caller's buffers, reused from entry to entry.
void PrintEntry(const EntryLines& e, PolicyVerb verb, bool dry_run, std::string& line,
                std::string& drift) {
  for (const std::string_view w : e.warnings) PrintWarning(std::string(w));
  if (e.error) {
    PrintError(std::string(*e.error) + " (" + std::string(e.source) + ")");
    return;
  }
  if (e.drift.empty()) return;
  if (e.fallback) {
    PrintNote(Printable(e.path) +
              ": the filesystem cannot store file capabilities; using the entry's setuid "
              "fallback");
  }
  const std::string_view removed = e.removed ? " (no longer in the policy)" : "";
  line.clear();
  if (verb == PolicyVerb::kDiff) {
    AppendPrintable(line, e.path);
    line += " (";
    AppendPrintable(line, e.source);
    line.append(")").append(removed) += '\n';
    for (const auto& d : e.drift) {
      for (const auto& [sign, value] : {std::pair{'-', d.have}, std::pair{'+', d.want}}) {
        line += sign;
        AppendPrintable(line, d.kind);
        line += ": ";
        AppendPrintable(line, value.empty() ? "none" : value);
        line += '\n';
      }
    }
  } else {
    if (verb == PolicyVerb::kApply) line += dry_run ? "would change " : "changed ";
    AppendPrintable(line, e.path);
    line += verb == PolicyVerb::kApply ? ": " : ": drift: ";
    drift.clear();
    for (const auto& d : e.drift) AppendDriftText(drift, d.kind, d.have, d.want);
    AppendPrintable(line, drift);
    line.append(removed) += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stdout);
}

void PrintEnd(const ReportEnd& end, PolicyVerb verb, bool dry_run) {
  if (end.record_error) {
    PrintWarning(*end.record_error +
                 "; files removed from the policy may keep what capset gave them");
  }
  if (end.removals_skipped) {
    PrintWarning(
        "the policy has errors, so entries missing from it are not taken as removed: they keep "
        "their capabilities until it is fixed");
  }
  if (verb == PolicyVerb::kDiff) return;
  const FileRunSummary& sum = end.summary;
  const bool apply = verb == PolicyVerb::kApply;
  std::string extra;
  if (sum.fallbacks) extra += ", " + std::to_string(sum.fallbacks) + " setuid fallback(s)";
  if (sum.removed) extra += ", " + std::to_string(sum.removed) + " no longer in the policy";
  std::fprintf(stderr, "%zu entr%s: %zu %s, %zu error(s)%s\n", sum.entries,
               sum.entries == 1 ? "y" : "ies", apply ? sum.changed : sum.drifted,
               apply ? (dry_run ? "would change" : "changed") : "with drift", sum.errors,
               extra.c_str());
}

void PrintDiagnosticLine(const SourceLocation& where, bool error, const std::string& message) {
  const Diagnostic d{error ? Diagnostic::Severity::kError : Diagnostic::Severity::kWarning, where,
                     message};
  std::fprintf(stderr, "%s\n", ControlsEscaped(ReplaceNonUtf8(d.ToString())).c_str());
}

// `text`, or where it is not UTF-8 its readable form kept in `holder`.
std::string_view Shown(std::string_view text, std::string& holder) {
  if (IsValidUtf8(text)) return text;
  holder = ReplaceNonUtf8(text);
  return holder;
}

// A member of a reply's object by reference, null where absent (iterates as empty): a reply
// lists thousands of entries, and value() copies each array it returns.
const nlohmann::json& Member(const nlohmann::json& object, const char* key) {
  static const nlohmann::json* const kNull = new nlohmann::json();
  const auto it = object.find(key);
  return it == object.end() ? *kNull : *it;
}

// A string member by reference, "" where absent; a member of another type throws
// nlohmann::json::type_error (a malformed reply from capsetd, reported as such).
std::string_view StringMember(const nlohmann::json& object, const char* key) {
  const nlohmann::json& m = Member(object, key);
  return m.is_null() ? std::string_view() : std::string_view(m.get_ref<const std::string&>());
}

size_t CountMember(const nlohmann::json& object, const char* key) {
  return object.value(key, size_t{0});
}

}  // namespace

void PrintFileReportEntries(const LoadedPolicy& loaded, const std::vector<FileResult>& results,
                            PolicyVerb verb, const FilePolicyOptions& options) {
  for (const auto& d : loaded.diagnostics) {
    PrintDiagnosticLine(d.where, d.severity == Diagnostic::Severity::kError, d.message);
  }
  EntryLines e;  // reused: its vectors and strings keep their capacity
  std::string path_holder, source, source_holder, error_holder, line, drift;
  std::vector<std::string> warning_holders;
  for (const auto& r : results) {
    if (!NotableResult(r)) continue;
    e.path = Shown(r.path, path_holder);
    e.error.reset();
    if (!r.ok()) e.error = Shown(r.error.message(), error_holder);
    // Only an error's line and diff's name where the entry is.
    source.clear();
    if (e.error || verb == PolicyVerb::kDiff) source = r.entry->where.ToString();
    e.source = Shown(source, source_holder);
    e.fallback = r.fallback;
    e.removed = r.removed;
    e.warnings.clear();
    warning_holders.resize(r.warnings.size());
    for (size_t i = 0; i < r.warnings.size(); ++i) {
      e.warnings.push_back(Shown(r.warnings[i], warning_holders[i]));
    }
    e.drift.clear();
    for (const auto& d : r.drift) e.drift.push_back({DriftKindName(d.kind), d.have, d.want});
    PrintEntry(e, verb, options.dry_run, line, drift);
  }
}

void PrintFileReportEnd(const FilePolicyRun& run, PolicyVerb verb,
                        const FilePolicyOptions& options) {
  ReportEnd end;
  if (!run.record_status.ok()) end.record_error = ReplaceNonUtf8(run.record_status.message());
  end.removals_skipped = run.removals_skipped;
  end.summary = SummarizeFileRun(run);
  PrintEnd(end, verb, options.dry_run);
}

void PrintFileReport(const PolicyTreeRun& tree, PolicyVerb verb, const FilePolicyOptions& options) {
  PrintFileReportEntries(*tree.loaded, tree.run.results, verb, options);
  PrintFileReportEnd(tree.run, verb, options);
}

void PrintFileReport(const nlohmann::json& report, PolicyVerb verb, bool dry_run) {
  for (const auto& d : Member(report, "diagnostics")) {
    SourceLocation where{d.value("file", ""), d.value("line", 0), d.value("column", 0)};
    PrintDiagnosticLine(where, d.value("severity", "error") == "error", d.value("message", ""));
  }
  EntryLines e;
  std::string line, drift;
  for (const auto& j : Member(report, "entries")) {
    e.path = StringMember(j, "path");
    e.source = StringMember(j, "source");
    e.error.reset();
    if (StringMember(j, "status") == "error") e.error = StringMember(j, "error");
    e.fallback = j.value("fallback", false);
    e.removed = j.value("removed", false);
    e.warnings.clear();
    for (const auto& w : Member(j, "warnings")) {
      e.warnings.emplace_back(w.get_ref<const std::string&>());
    }
    e.drift.clear();
    for (const auto& d : Member(j, "drift")) {
      e.drift.push_back(
          {StringMember(d, "kind"), StringMember(d, "have"), StringMember(d, "want")});
      if (e.drift.back().kind.empty()) e.drift.back().kind = "?";
    }
    PrintEntry(e, verb, dry_run, line, drift);
  }
  ReportEnd end;
  const nlohmann::json& record = Member(report, "record");
  if (record.is_object()) {
    const nlohmann::json& error = Member(record, "error");
    if (error.is_string()) end.record_error = error.get<std::string>();
    end.removals_skipped = record.value("removals_skipped", false);
  }
  if (verb != PolicyVerb::kDiff) end.summary = ReportSummary(report.at("summary"), dry_run);
  PrintEnd(end, verb, dry_run);
}

FileRunSummary ReportSummary(const nlohmann::json& summary, bool dry_run) {
  FileRunSummary s;
  s.entries = CountMember(summary, "entries");
  s.changed = CountMember(summary, dry_run ? "would_change" : "changed");
  s.drifted = CountMember(summary, "drift");
  s.errors = CountMember(summary, "errors");
  s.removed = CountMember(summary, "removed");
  s.fallbacks = CountMember(summary, "setuid_fallbacks");
  return s;
}

}  // namespace capset::capctl
