// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl prints a local run's report from its results and capsetd's reply from its JSON: one
// printer, so the two must print the same bytes for the same run, whatever its strings hold.
#include "file_report_print.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "capset/ipc/file_report.h"

namespace capset::capctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Printed {
  std::string out, err;
};

template <typename F>
Printed Capture(F print) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  print();
  Printed p;
  p.out = ::testing::internal::GetCapturedStdout();
  p.err = ::testing::internal::GetCapturedStderr();
  return p;
}

class FileReportPrintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = std::make_shared<LoadedPolicy>();
    loaded->diagnostics = {
        {Diagnostic::Severity::kWarning, {"/etc/capset/policy.d/w.yaml", 3, 5}, "odd key"},
        {Diagnostic::Severity::kWarning, {"/etc/capset/policy.d/\xff.yaml", 0, 0}, "bad \xfe"}};
    tree_.loaded = loaded;
    const std::vector<std::string> paths = {
        "/usr/bin/quiet",  "/usr/bin/ping", "/usr/bin/a\nb",  "/usr/bin/bad\xff\xfename",
        "/usr/bin/failed", "/usr/bin/gone", "/usr/bin/warned"};
    entries_.resize(paths.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      entries_[i].path = paths[i];
      entries_[i].package = "pkg";
      entries_[i].where = {"/usr/lib/capset/policy.d/pkg.yaml", static_cast<int>(i) + 2, 5};
      FileResult r;
      r.entry = &entries_[i];
      r.path = "/img" + paths[i];
      tree_.run.results.push_back(std::move(r));
    }
    auto& results = tree_.run.results;
    // [0] as wanted: not printed, only counted.
    results[1].changed = true;
    results[1].drift = {{Drift::Kind::kCaps, "", "cap_net_raw=p"},
                        {Drift::Kind::kSetuid, "set", "unset"}};
    results[2].changed = true;
    results[2].fallback = true;
    results[2].drift = {{Drift::Kind::kSetuid, "unset", "set"}};
    results[3].changed = true;
    results[3].drift = {{Drift::Kind::kMode, "0777", "0755"}};
    results[4].error = Status(Code::kUnsafe, "Refusing '/img/usr/bin/failed\xff': why");
    results[5].changed = true;
    results[5].removed = true;
    results[5].drift = {{Drift::Kind::kCaps, "cap_net_raw=p", ""}};
    results[6].warnings = {"a warning", "another \xc0"};
    tree_.run.record_path = "/img/var/lib/capset/applied-files.json";
  }

  PolicyTreeRun tree_;
  std::vector<FileEntry> entries_;
};

TEST_F(FileReportPrintTest, ALocalRunPrintsWhatItsJsonReportPrints) {
  const PolicyVerb verbs[] = {PolicyVerb::kApply, PolicyVerb::kVerify, PolicyVerb::kDiff};
  for (const PolicyVerb verb : verbs) {
    for (const bool dry_run : {false, true}) {
      for (const bool record_failed : {false, true}) {
        SCOPED_TRACE(::testing::Message() << "verb " << static_cast<int>(verb) << " dry_run "
                                          << dry_run << " record_failed " << record_failed);
        FilePolicyOptions options;
        options.apply = verb == PolicyVerb::kApply;
        options.dry_run = dry_run && options.apply;
        tree_.run.record_status =
            record_failed ? Status(Code::kIoError, "cannot read \xfe") : Status::Ok();
        tree_.run.removals_skipped = record_failed;
        const nlohmann::json reply =
            FileReportJson(tree_.run, tree_.loaded->diagnostics, tree_.loaded->ok(), options);
        const Printed local = Capture([&] { PrintFileReport(tree_, verb, options); });
        const Printed daemon = Capture([&] { PrintFileReport(reply, verb, options.dry_run); });
        EXPECT_EQ(local.out, daemon.out);
        EXPECT_EQ(local.err, daemon.err);

        // And what they print is the report: not empty, the quiet entry not in it.
        EXPECT_THAT(local.out, Not(HasSubstr("quiet")));
        EXPECT_THAT(local.err, HasSubstr("/etc/capset/policy.d/w.yaml:3:5: warning: odd key"));
        // Not UTF-8: each bad byte shown as U+FFFD, a diagnostic without a line as its file.
        EXPECT_THAT(local.err,
                    HasSubstr("/etc/capset/policy.d/\xef\xbf\xbd.yaml: warning: bad \xef\xbf\xbd"));
        EXPECT_THAT(local.err, HasSubstr("Refusing '/img/usr/bin/failed\xef\xbf\xbd': why "
                                         "(/usr/lib/capset/policy.d/pkg.yaml:6:5)"));
        EXPECT_THAT(local.err, HasSubstr("warning: another \xef\xbf\xbd"));
        EXPECT_EQ(local.err.find("cannot read") != std::string::npos, record_failed);
        // No line begins with what followed the newline in "/usr/bin/a\nb".
        EXPECT_THAT(local.out, Not(HasSubstr("\nb")));
        EXPECT_THAT(local.err, Not(HasSubstr("\nb")));
        if (verb == PolicyVerb::kApply) {
          const std::string changed = dry_run ? "would change" : "changed";
          EXPECT_THAT(
              local.out,
              HasSubstr(changed + " /img/usr/bin/ping: caps none -> cap_net_raw=p, setuid set "
                                  "-> unset\n"));
          EXPECT_THAT(local.out,
                      HasSubstr(changed + " /img/usr/bin/bad\xef\xbf\xbd\xef\xbf\xbdname:"));
          EXPECT_THAT(
              local.out,
              HasSubstr(changed + " /img/usr/bin/gone: caps cap_net_raw=p -> none (no longer "
                                  "in the policy)\n"));
          EXPECT_THAT(local.err, HasSubstr("7 entries: 4 " + changed +
                                           ", 1 error(s), 1 setuid fallback(s), 1 no longer in the "
                                           "policy\n"));
          // A newline in a path is printed as "\n": one entry, one line.
          EXPECT_THAT(local.err, HasSubstr("/img/usr/bin/a\\nb: the filesystem cannot store file "
                                           "capabilities; using the entry's setuid fallback"));
          EXPECT_THAT(local.out, HasSubstr(changed + " /img/usr/bin/a\\nb: setuid unset -> set\n"));
        } else if (verb == PolicyVerb::kVerify) {
          EXPECT_THAT(local.out, HasSubstr("/img/usr/bin/ping: drift: caps none -> cap_net_raw=p"));
          EXPECT_THAT(local.err, HasSubstr("7 entries: 4 with drift, 1 error(s)"));
        } else {
          EXPECT_THAT(local.out,
                      HasSubstr("/img/usr/bin/ping (/usr/lib/capset/policy.d/pkg.yaml:3:5)\n"
                                "-caps: none\n+caps: cap_net_raw=p\n-setuid: set\n"
                                "+setuid: unset\n"));
          EXPECT_THAT(local.err, Not(HasSubstr("entries:")));
        }
      }
    }
  }
}

}  // namespace
}  // namespace capset::capctl
