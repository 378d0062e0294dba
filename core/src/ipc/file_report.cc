// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/file_report.h"

#include "capset/ipc/json_text.h"
#include "capset/utf8.h"

namespace capset {

using nlohmann::json;

const char* FileResultStatus(const FileResult& r, bool apply, bool dry_run) {
  if (!r.ok()) return "error";
  if (apply) return r.changed ? (dry_run ? "would-change" : "changed") : "ok";
  return r.drift.empty() ? "ok" : "drift";
}

bool NotableResult(const FileResult& r) {
  return !r.ok() || !r.drift.empty() || r.changed || !r.warnings.empty();
}

FileRunSummary SummarizeFileRun(const FilePolicyRun& run) {
  FileRunSummary s;
  s.entries = run.results.size();
  for (const auto& r : run.results) {
    s.errors += !r.ok();
    s.drifted += r.ok() && !r.drift.empty();
    s.changed += r.ok() && r.changed;
    s.fallbacks += r.ok() && r.fallback;
    s.removed += r.ok() && r.removed && !r.drift.empty();
  }
  return s;
}

namespace {

// The report written straight out, compact, in the order a JSON tree would give it (keys
// sorted): capsetd answered each Verify with a tree of every entry built only to be dumped,
// which cost more than the calls on the files. One writer, so capctl's --json and capsetd's
// replies cannot differ.
class ReportWriter {
 public:
  explicit ReportWriter(std::string& out) : out_(out) {}

  void Key(std::string_view key) {
    Comma();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    first_ = true;  // the value follows; no comma before it
  }
  void String(std::string_view text) {
    Comma();
    AppendJsonString(out_, text);
  }
  void Number(size_t n) {
    Comma();
    out_ += std::to_string(n);
  }
  void Number(int n) {
    Comma();
    out_ += std::to_string(n);
  }
  void Bool(bool b) {
    Comma();
    out_ += b ? "true" : "false";
  }
  void Null() {
    Comma();
    out_ += "null";
  }
  void Open(char bracket) {
    Comma();
    out_ += bracket;
    first_ = true;
  }
  void Close(char bracket) {
    out_ += bracket;
    first_ = false;
  }
  // A file name (SetPathJson's form): as it is if UTF-8, else for people and as bytes.
  void Path(const std::string& key, std::string_view path) {
    Key(key);
    String(path);
    if (IsValidUtf8(path)) return;
    Key(key + "_bytes");
    Open('[');
    for (const char c : path) Number(static_cast<unsigned char>(c));
    Close(']');
  }

 private:
  void Comma() {
    if (!first_) out_ += ',';
    first_ = false;
  }

  std::string& out_;
  bool first_ = true;
};

void WriteDiagnostics(ReportWriter& w, const std::vector<Diagnostic>& diagnostics) {
  w.Open('[');
  for (const auto& d : diagnostics) {
    w.Open('{');
    w.Key("column");
    w.Number(d.where.column);
    w.Key("file");
    w.String(d.where.file);
    w.Key("line");
    w.Number(d.where.line);
    w.Key("message");
    w.String(d.message);
    w.Key("severity");
    w.String(d.severity == Diagnostic::Severity::kError ? "error" : "warning");
    w.Close('}');
  }
  w.Close(']');
}

void WriteEntry(ReportWriter& w, const FileResult& r, const FilePolicyOptions& options) {
  w.Open('{');
  w.Key("drift");
  w.Open('[');
  for (const auto& d : r.drift) {
    w.Open('{');
    w.Key("have");
    w.String(d.have);
    w.Key("kind");
    w.String(DriftKindName(d.kind));
    w.Key("want");
    w.String(d.want);
    w.Close('}');
  }
  w.Close(']');
  if (!r.ok()) {
    w.Key("error");
    w.String(r.error.message());
  }
  w.Key("fallback");
  w.Bool(r.fallback);
  w.Key("package");
  w.String(r.entry->package);
  w.Path("path", r.path);
  w.Path("policy_path", r.entry->path);
  w.Key("removed");
  w.Bool(r.removed);
  w.Key("source");
  w.String(r.entry->where.ToString());
  w.Key("status");
  w.String(FileResultStatus(r, options.apply, options.dry_run));
  w.Key("warnings");
  w.Open('[');
  for (const auto& warning : r.warnings) w.String(warning);
  w.Close(']');
  w.Close('}');
}

}  // namespace

std::string FileReportText(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics,
                           bool policy_ok, const FilePolicyOptions& options) {
  std::string out;
  out.reserve(256 + 256 * run.results.size());
  ReportWriter w(out);
  const FileRunSummary sum = SummarizeFileRun(run);
  w.Open('{');
  w.Key("diagnostics");
  WriteDiagnostics(w, diagnostics);
  w.Key("entries");
  w.Open('[');
  for (const auto& r : run.results) {
    WriteEntry(w, r, options);
  }
  w.Close(']');
  w.Key("ok");
  w.Bool(sum.Ok(policy_ok, options));
  w.Key("record");
  w.Open('{');
  w.Key("error");
  if (run.record_status.ok()) {
    w.Null();
  } else {
    w.String(run.record_status.message());
  }
  w.Key("path");
  w.String(run.record_path);
  w.Key("removals_skipped");
  w.Bool(run.removals_skipped);
  w.Close('}');
  w.Key("summary");
  w.Open('{');
  if (!options.dry_run) {
    w.Key("changed");
    w.Number(sum.changed);
  }
  w.Key("drift");
  w.Number(sum.drifted);
  w.Key("entries");
  w.Number(sum.entries);
  w.Key("errors");
  w.Number(sum.errors);
  w.Key("removed");
  w.Number(sum.removed);
  w.Key("setuid_fallbacks");
  w.Number(sum.fallbacks);
  if (options.dry_run) {
    w.Key("would_change");
    w.Number(sum.changed);
  }
  w.Close('}');
  w.Close('}');
  return out;
}

json FileReportJson(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics,
                    bool policy_ok, const FilePolicyOptions& options) {
  // Valid JSON of valid UTF-8 by construction: parse() does not throw on it.
  return json::parse(FileReportText(run, diagnostics, policy_ok, options));
}

json DiagnosticsJson(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  ReportWriter w(out);
  WriteDiagnostics(w, diagnostics);
  return json::parse(out);
}

}  // namespace capset
