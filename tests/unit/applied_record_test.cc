// SPDX-License-Identifier: LGPL-2.1-or-later
// The record of applied files as JSON: what is written is read back, and a damaged record is
// an error that names the file and what was wrong, never a partial record.
#include "capset/applied_record.h"
#include "common/status_matchers.h"

#include <gtest/gtest.h>

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(AppliedRecordTest, RoundTrips) {
  AppliedRecord record;
  record.files["/usr/bin/ping"] = {"/usr/bin/ping", "cap_net_raw=p", false, "iputils-ping",
                                   "/usr/lib/capset/policy.d/ping.yaml:3:5"};
  record.files["/usr/bin/mtr"] = {"/usr/bin/mtr", "", true, "", "x.yaml:1:1"};
  const std::string text = record.ToJson();
  EXPECT_LT(text.find("/usr/bin/mtr"), text.find("/usr/bin/ping"));  // sorted by path
  Result<AppliedRecord> back = AppliedRecord::FromJson(text, "r.json");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->files, record.files);
  EXPECT_TRUE(AppliedRecord::FromJson(AppliedRecord{}.ToJson(), "r.json")->files.empty());
}

TEST(AppliedRecordTest, DamagedRecordsAreErrorsThatSayWhat) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not valid JSON"},
      {"{\"version\": 1, \"files\": [", "not valid JSON"},
      {"[]", "expected an object"},
      {"{\"version\": 2, \"files\": []}", "version 2"},
      {"{\"version\": 1, \"files\": {}}", "must be an array"},
      {"{\"version\": 1, \"files\": [{\"path\": \"/a\"}]}", "files[0]: expected path"},
      {"{\"version\": 1, \"files\": [{\"path\": \"a\", \"caps\": \"\", \"package\": \"\", "
       "\"source\": \"\", \"setuid\": false}]}",
       "files[0]: path must be absolute"},
      {"{\"version\": 1, \"files\": [{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", "
       "\"source\": \"\", \"setuid\": 1}]}",
       "setuid (boolean)"},
  };
  for (const auto& [text, want] : cases) {
    Result<AppliedRecord> r = AppliedRecord::FromJson(text, "/var/lib/capset/applied-files.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_THAT(r.status(), StatusIs(_, HasSubstr("/var/lib/capset/applied-files.json")));
    EXPECT_THAT(r.status(), StatusIs(_, HasSubstr(want))) << r.status().message();
  }
  const std::string twice =
      "{\"version\": 1, \"files\": [" +
      std::string(2, ' ') +
      "{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", \"source\": \"\", \"setuid\": true},"
      "{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", \"source\": \"\", \"setuid\": true}]}";
  Result<AppliedRecord> r = AppliedRecord::FromJson(twice, "r.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status(), StatusIs(_, HasSubstr("files[1]: path is listed twice")));
}

}  // namespace
}  // namespace capset
