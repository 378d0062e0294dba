// SPDX-License-Identifier: LGPL-2.1-or-later
// YamlQuoted: whatever a file may be called (as long as YAML can hold it: UTF-8, no NUL),
// the policy parser reads back exactly the same path (issue 11: a set-user-ID file named
// with newlines and YAML became a policy granting cap_dac_override=ep to /usr/bin/vim.tiny).
#include "capset/yaml_quote.h"

#include <gtest/gtest.h>

#include <random>

#include "capset/policy_parser.h"

namespace capset {
namespace {

// Parses a one-entry policy whose path is "/" + name; returns the path read back.
std::string RoundTrip(const std::string& name) {
  Result<std::string> quoted = YamlQuoted("/" + name);
  EXPECT_TRUE(quoted.ok()) << quoted.status().message();
  const std::string text =
      "files:\n  - path: " + *quoted + "\n    caps: " + *YamlQuoted("cap_net_raw=p") + "\n";
  ParsedPolicy p = ParsePolicy(text, "q.yaml");
  if (!p.ok() || p.policy.files.size() != 1) {
    ADD_FAILURE() << ::testing::PrintToString(name) << " -> " << text
                  << (p.diagnostics.empty() ? "" : p.diagnostics[0].ToString());
    return "";
  }
  return p.policy.files[0].path;
}

TEST(YamlQuotedTest, HostileNamesReadBackAsThemselves) {
  const std::string names[] = {
      "ping\n  - path: /usr/bin/vim.tiny\n    caps: cap_dac_override=ep",
      "a\"b",
      "a\\b",
      "a: b",
      "#comment",
      "- item",
      "{x: 1}",
      "[1, 2]",
      "&anchor",
      "*alias",
      "!tag",
      "%directive",
      "@",
      "`",
      "'single'",
      "  leading",
      "trailing  ",
      "tab\there",
      "cr\rhere",
      "bell\a",
      "esc\x1b[2J",
      "del\x7f",
      "nel\xc2\x85",
      "c1\xc2\x9b",
      "ls\xe2\x80\xa8ps\xe2\x80\xa9",
      "bom\xef\xbb\xbf",
      "nonchar\xef\xbf\xbe",
      "emoji\xf0\x9f\x98\x80",
      "\xc3\xa9t\xc3\xa9",
      "yes",
      "null",
      "~",
      "0755",
      "---",
      "...",
      "trailing\\",
  };
  for (const std::string& n : names)
    EXPECT_EQ(RoundTrip(n), "/" + n) << ::testing::PrintToString(n);
}

TEST(YamlQuotedTest, RandomNamesReadBackAsThemselves) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> len(1, 24), byte(1, 127), pick(0, 9);
  const std::string specials[] = {"\xc2\x85",     "\xe2\x80\xa8",
                                  "\xef\xbb\xbf", "\xf0\x9f\x98\x80",
                                  "\xc3\xa9",     ": ",
                                  " #",           "\n",
                                  "\"",           "\\"};
  int tried = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string name;
    for (int k = len(rng); k > 0; --k) {
      if (pick(rng) < 3) {
        name += specials[pick(rng)];
      } else {
        const char c = static_cast<char>(byte(rng));
        if (c != '/') name += c;
      }
    }
    if (name.empty() || name == "." || name == ".." || !IsValidUtf8(name)) continue;
    ++tried;
    ASSERT_EQ(RoundTrip(name), "/" + name) << ::testing::PrintToString(name);
  }
  EXPECT_GT(tried, 1000);
}

TEST(YamlQuotedTest, NotUtf8IsRefusedNotMangled) {
  for (const std::string bad : {"\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80"}) {
    EXPECT_FALSE(YamlQuoted(bad).ok()) << ::testing::PrintToString(bad);
    EXPECT_FALSE(IsValidUtf8(bad));
  }
}

}  // namespace
}  // namespace capset
