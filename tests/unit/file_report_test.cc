// SPDX-License-Identifier: LGPL-2.1-or-later
// The report of a policy apply/verify (capctl --json, capsetd's replies) is written without a
// JSON tree: it must be byte for byte the compact dump of the tree it stands for, whatever the
// strings in it hold.
#include "capset/ipc/file_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "capset/ipc/json_text.h"
#include "capset/ipc/varlink.h"

namespace capset {
namespace {

using nlohmann::json;

// The tree, as the report was built before it was written directly (the oracle).
json Tree(const FilePolicyRun& run, const std::vector<Diagnostic>& diagnostics, bool policy_ok,
          const FilePolicyOptions& options) {
  size_t errors = 0, drifted = 0, changed = 0, fallbacks = 0, removed = 0;
  json entries = json::array();
  for (const auto& r : run.results) {
    errors += !r.ok();
    drifted += r.ok() && !r.drift.empty();
    changed += r.ok() && r.changed;
    fallbacks += r.ok() && r.fallback;
    removed += r.ok() && r.removed && !r.drift.empty();
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
  json diags = json::array();
  for (const auto& d : diagnostics) {
    diags.push_back({{"file", d.where.file},
                     {"line", d.where.line},
                     {"column", d.where.column},
                     {"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
                     {"message", d.message}});
  }
  return {{"ok", policy_ok && errors == 0 && (options.apply || drifted == 0)},
          {"entries", std::move(entries)},
          {"diagnostics", std::move(diags)},
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

TEST(FileReportTest, WrittenAsTheJsonTreeWouldBe) {
  const std::vector<std::string> hostile = {"/usr/bin/ping",
                                            "/usr/bin/a\nb",
                                            "/usr/bin/\"q\"\\",
                                            std::string("/n\0ul", 5),
                                            "/bad/\xff\xfe.bin",
                                            "/ctl/\x01\x1f\x7f",
                                            "/utf8/h\xc3\xa9llo",
                                            "/trailing\\",
                                            "/cr\r/tab\t",
                                            "/half/\xe2\x82",
                                            ""};
  std::vector<FileEntry> entries(hostile.size());
  FilePolicyRun run;
  for (size_t i = 0; i < hostile.size(); ++i) {
    entries[i].path = hostile[i];
    entries[i].package = i % 2 ? hostile[(i + 3) % hostile.size()] : "";
    entries[i].where = {hostile[(i + 1) % hostile.size()] + ".yaml", static_cast<int>(i) + 1, 3};
    FileResult r;
    r.entry = &entries[i];
    r.path = "/root" + hostile[i];
    r.changed = i % 3 == 0;
    r.fallback = i % 4 == 1;
    r.removed = i % 5 == 2;
    if (i % 2) r.drift.push_back({Drift::Kind::kCaps, hostile[(i + 5) % hostile.size()], "x"});
    if (i % 3 == 1) r.drift.push_back({Drift::Kind::kMode, "0755", hostile[i]});
    if (i % 4 == 3) r.warnings = {hostile[i], "plain"};
    if (i % 5 == 4) r.error = Status(Code::kUnsafe, "Refusing '" + hostile[i] + "': why");
    run.results.push_back(std::move(r));
  }
  run.record_path = "/var/lib/capset/\xff.json";
  const std::vector<Diagnostic> diagnostics = {
      {Diagnostic::Severity::kError, {"/etc/\x02x.yaml", 4, 7}, "expected \"caps\"\n"},
      {Diagnostic::Severity::kWarning, {"p.yaml", 0, 0}, "\xc0\xaf"}};
  for (const bool apply : {false, true}) {
    for (const bool dry_run : {false, true}) {
      for (const bool record_failed : {false, true}) {
        FilePolicyOptions options;
        options.apply = apply;
        options.dry_run = dry_run;
        run.record_status = record_failed ? Status(Code::kIoError, "bad \xfe") : Status::Ok();
        run.removals_skipped = record_failed;
        const std::string text = FileReportText(run, diagnostics, !record_failed, options);
        EXPECT_EQ(text, DumpJson(Tree(run, diagnostics, !record_failed, options), -1));
        // The tree as its text reads back (each byte that is not UTF-8 a U+FFFD).
        EXPECT_EQ(FileReportJson(run, diagnostics, !record_failed, options), json::parse(text));
        EXPECT_EQ(varlink::EncodeReplyText(text),
                  varlink::EncodeReply(Tree(run, diagnostics, !record_failed, options)));
      }
    }
  }
  // The text form shows only the notable entries; the summary counts every entry.
  size_t notable = 0;
  for (const auto& r : run.results) {
    notable += !r.ok() || !r.drift.empty() || r.changed || !r.warnings.empty();
    EXPECT_EQ(NotableResult(r), !r.ok() || !r.drift.empty() || r.changed || !r.warnings.empty());
  }
  EXPECT_LT(notable, run.results.size());
  const FileRunSummary sum = SummarizeFileRun(run);
  EXPECT_EQ(sum.entries, run.results.size());
  FilePolicyOptions apply;
  apply.apply = true;
  const json summary = json::parse(FileReportText(run, diagnostics, true, apply))["summary"];
  EXPECT_EQ(summary["changed"], sum.changed);
  EXPECT_EQ(summary["drift"], sum.drifted);
  EXPECT_EQ(summary["errors"], sum.errors);
  EXPECT_EQ(summary["removed"], sum.removed);
  EXPECT_EQ(summary["setuid_fallbacks"], sum.fallbacks);

  FilePolicyRun empty;
  EXPECT_EQ(FileReportText(empty, {}, true, {}), DumpJson(Tree(empty, {}, true, {}), -1));
}

TEST(FileReportTest, StringsAreEscapedAsTheTreeEscapesThem) {
  for (const std::string& s :
       {std::string("plain"), std::string("a\"b"), std::string("\\"),
        std::string("\x00\x01\x1f", 3), std::string("\x7f"), std::string("\xff"),
        std::string("\xe2\x82\xac"), std::string("\xed\xa0\x80"), std::string()}) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, DumpJson(json(s), -1));
  }
}

}  // namespace
}  // namespace capset
