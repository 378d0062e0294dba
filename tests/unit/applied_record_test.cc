// SPDX-License-Identifier: LGPL-2.1-or-later
// The record of applied files as JSON: what is written is read back, and a damaged record is
// an error that names the file and what was wrong, never a partial record.
#include "capset/applied_record.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/status_matchers.h"

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
      "{\"version\": 1, \"files\": [" + std::string(2, ' ') +
      "{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", \"source\": \"\", \"setuid\": true},"
      "{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", \"source\": \"\", \"setuid\": true}]}";
  Result<AppliedRecord> r = AppliedRecord::FromJson(twice, "r.json");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status(), StatusIs(_, HasSubstr("files[1]: path is listed twice")));
}

// The record is written without a JSON tree: byte for byte what dumping the tree gives, hostile
// strings (quotes, backslashes, control characters, bytes that are not UTF-8) included.
TEST(AppliedRecordTest, WrittenAsTheJsonTreeWouldBe) {
  for (const size_t n : {size_t{0}, size_t{1}, size_t{3}}) {
    AppliedRecord record;
    const std::string odd[] = {"/usr/bin/a\"b\\c", "/usr/bin/\n\r\t\x01", "/usr/bin/\xff\xfe"};
    for (size_t i = 0; i < n; ++i) {
      record.files[odd[i]] = {odd[i], i == 1 ? "" : "cap_net_raw=p", i == 1, "pkg\"" + odd[i],
                              "/x.yaml:" + std::to_string(i) + ":5"};
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [path, f] : record.files) {
      list.push_back({{"path", f.path},
                      {"caps", f.caps},
                      {"setuid", f.setuid},
                      {"package", f.package},
                      {"source", f.source}});
    }
    const nlohmann::json doc = {{"version", 1}, {"files", std::move(list)}};
    EXPECT_EQ(record.ToJson(),
              doc.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  }
}

// The record is read as a stream of events (no JSON tree): what a tree reader would conclude,
// key order, unknown keys, repeated keys and nesting included.
TEST(AppliedRecordTest, StreamReadingConcludesWhatTheDocumentSays) {
  const std::string entry =
      "{\"extra\": {\"path\": 1, \"x\": [[{}]]}, \"setuid\": false, \"path\": 5, "
      "\"path\": \"/b\", \"caps\": \"cap_net_raw=p\", \"package\": \"p\", "
      "\"source\": \"s.yaml:1:1\"}";
  // Files before version, an unknown top-level key holding an array, a key given twice.
  Result<AppliedRecord> r = AppliedRecord::FromJson(
      "{\"files\": [" + entry + "], \"other\": [1, {\"files\": 2}], \"version\": 1}", "r.json");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files.at("/b").caps, "cap_net_raw=p");
  EXPECT_EQ(r->files.at("/b").source, "s.yaml:1:1");
  const std::pair<std::string, const char*> cases[] = {
      {"{\"version\": {\"v\": 1}, \"files\": []}", "version {} is not"},
      {"{\"version\": \"1\", \"files\": []}", "version \"1\" is not"},
      {"{\"version\": 1, \"files\": 3}", "must be an array"},
      {"{\"version\": 1}", "expected an object"},
      {"7", "expected an object"},
      {"{\"version\": 1, \"files\": [3]}", "files[0]: expected path"},
      {"{\"version\": 1, \"files\": [" + entry + ", [" + entry + "]]}", "files[1]: expected"},
      {"{\"version\": 1, \"files\": [{\"path\": \"/a\", \"caps\": \"\", \"package\": \"\", "
       "\"source\": \"\", \"setuid\": \"false\"}]}",
       "files[0]: expected path"},
      {"{\"version\": 1, \"files\": [{\"path\": \"/a/../b\", \"caps\": \"\", \"package\": "
       "\"\", \"source\": \"\", \"setuid\": true}]}",
       "must not contain '..'"},
      {"{\"version\": 2, \"files\": [}", "not valid JSON"},
  };
  for (const auto& [text, want] : cases) {
    Result<AppliedRecord> bad = AppliedRecord::FromJson(text, "r.json");
    ASSERT_FALSE(bad.ok()) << text;
    EXPECT_THAT(bad.status(), StatusIs(_, HasSubstr(want))) << text;
  }
  // The second of two "files" arrays is the one read.
  Result<AppliedRecord> twice = AppliedRecord::FromJson(
      "{\"version\": 1, \"files\": [" + entry + "], \"files\": []}", "r.json");
  ASSERT_TRUE(twice.ok());
  EXPECT_TRUE(twice->files.empty());
}

}  // namespace
}  // namespace capset
