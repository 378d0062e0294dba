// SPDX-License-Identifier: LGPL-2.1-or-later
// capability.conf parsing and the first-match decision (no NSS, no PAM: identities are given).
#include "capset/login_policy.h"

#include <gtest/gtest.h>

#include "capset/policy_parser.h"

namespace capset {
namespace {

const char kConf[] = R"(# capability.conf
^cap_net_raw,cap_net_admin   @netadmin   bob
!cap_sys_module,%cap_chown   alice       # trailing comment
all                          root
none                         *
)";

TEST(CapabilityConfTest, ParsesRulesWithLocations) {
  LoginRules r = ParseCapabilityConf(kConf, "c.conf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.rules.size(), 4u);
  EXPECT_EQ(r.rules[0].where.ToString(), "c.conf:2:1");
  EXPECT_EQ(r.rules[0].iab.ambient, CapBit(13));
  EXPECT_EQ(r.rules[0].iab.inheritable, CapBit(13) | CapBit(12));
  EXPECT_EQ(r.rules[0].ids, (std::vector<std::string>{"@netadmin", "bob"}));
  EXPECT_EQ(r.rules[1].iab.bounding_drop, CapBit(16));
  EXPECT_EQ(r.rules[1].ids, std::vector<std::string>{"alice"});
  EXPECT_EQ(r.rules[2].kind, LoginRule::Kind::kAll);
  EXPECT_EQ(r.rules[3].kind, LoginRule::Kind::kNone);
}

TEST(CapabilityConfTest, OnlyForKeepsTheDecidingRuleAndEveryError) {
  const std::string text = std::string(kConf) + "cap_bogus dave\n^cap_kill @netadmin\n\t\n";
  const LoginRules full = ParseCapabilityConf(text, "c.conf");
  const std::vector<LoginIdentity> people = {{"carol", {"users", "netadmin"}},
                                             {"alice", {"x"}},
                                             {"root", {"root"}},
                                             {"zed", {}},
                                             {"dave", {"dave"}},
                                             {"bob", {"netadmin"}}};
  for (const LoginIdentity& who : people) {
    const LoginRules only = ParseCapabilityConf(text, "c.conf", &who);
    EXPECT_LE(only.rules.size(), 1u) << who.user;
    ASSERT_EQ(only.diagnostics.size(), full.diagnostics.size()) << who.user;
    EXPECT_EQ(only.diagnostics[0].where.ToString(), "c.conf:6:1");
    const LoginDecision a = DecideLogin(full, who), b = DecideLogin(only, who);
    ASSERT_EQ(a.matched, b.matched) << who.user;
    if (a.matched) {
      EXPECT_EQ(a.rule->where.ToString(), b.rule->where.ToString()) << who.user;
      EXPECT_EQ(a.rule->iab, b.rule->iab) << who.user;
      EXPECT_EQ(a.matched_id, b.matched_id) << who.user;
    }
  }
}

TEST(CapabilityConfTest, SplitsOnBlanksLikePamCap) {
  // Only space and tab separate words, as in pam_cap.
  LoginRules r = ParseCapabilityConf("cap_chown\tbob\n  cap_kill   carol  \n", "c.conf");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.rules.size(), 2u);
  EXPECT_EQ(r.rules[0].ids, std::vector<std::string>{"bob"});
  EXPECT_EQ(r.rules[1].where.ToString(), "c.conf:2:3");
  EXPECT_EQ(r.rules[1].ids, std::vector<std::string>{"carol"});
}

// Issue 11: pam_capset failed open on NUL bytes (pam_cap stops reading a line at the NUL).
TEST(CapabilityConfTest, ControlCharactersMakeTheWholeFileAnError) {
  const std::string cases[] = {
      std::string("cap_net_raw,cap_sys_admin\0 daemon\ncap_chown bob\n", 48),
      std::string("\0cap_net_raw daemon\n", 20),
      "cap_chown\tbob\r\n",  // CRLF: "bob\r" would be nobody, but the file is broken
      "cap_chown bob\ncap_kill carol\x1b[2J\n",
      "cap_chown bob\x7f\n",
  };
  for (const std::string& text : cases) {
    LoginRules r = ParseCapabilityConf(text, "c.conf");
    EXPECT_FALSE(r.ok()) << ::testing::PrintToString(text);
    ASSERT_FALSE(r.diagnostics.empty());
    EXPECT_NE(r.diagnostics[0].message.find("is not allowed in capability.conf"), std::string::npos)
        << r.diagnostics[0].ToString();
  }
  LoginRules r = ParseCapabilityConf(cases[0], "c.conf");
  EXPECT_EQ(r.diagnostics[0].where.ToString(), "c.conf:1:26");
  EXPECT_NE(r.diagnostics[0].message.find("a NUL byte"), std::string::npos);
}

// One scan finds the control characters of the whole text: each line that holds any gets one
// error, where its first is; the lines between are still read.
TEST(CapabilityConfTest, EachLineWithAControlCharacterIsNamedOnce) {
  const std::string text(
      "cap_chown bob\ncap_kill\x01 carol\x02\ncap_net_raw dave\n\x7f\n"
      "cap_setuid erin\n");
  LoginRules r = ParseCapabilityConf(text, "c.conf");
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_EQ(r.diagnostics[0].where.ToString(), "c.conf:2:9");
  EXPECT_NE(r.diagnostics[0].message.find("(0x01)"), std::string::npos);
  EXPECT_EQ(r.diagnostics[1].where.ToString(), "c.conf:4:1");
  ASSERT_EQ(r.rules.size(), 3u);
  EXPECT_EQ(r.rules[1].where.ToString(), "c.conf:3:1");
  EXPECT_EQ(r.rules[2].where.ToString(), "c.conf:5:1");
}

TEST(CapabilityConfTest, FirstMatchWinsThroughAllGroups) {
  LoginRules r = ParseCapabilityConf(kConf, "c.conf");
  auto decide = [&](LoginIdentity who) { return DecideLogin(r, who); };
  LoginDecision d = decide({"carol", {"users", "netadmin"}});
  ASSERT_TRUE(d.matched);
  EXPECT_EQ(d.matched_id, "@netadmin");
  EXPECT_EQ(d.rule->where.line, 2);
  EXPECT_EQ(decide({"bob", {"bob"}}).rule->where.line, 2);
  EXPECT_EQ(decide({"alice", {"alice", "netadmin"}}).rule->where.line, 2);  // first line wins
  EXPECT_EQ(decide({"alice", {"alice"}}).rule->where.line, 3);
  EXPECT_EQ(decide({"root", {"root"}}).rule->kind, LoginRule::Kind::kAll);
  EXPECT_EQ(decide({"dave", {"dave"}}).matched_id, "*");
}

TEST(CapabilityConfTest, NoMatchWithoutWildcard) {
  LoginRules r = ParseCapabilityConf("cap_chown alice\n", "c.conf");
  EXPECT_FALSE(DecideLogin(r, {"bob", {"alice"}}).matched);  // a group named like the user
}

// libcap's pam_cap compares every non-'@' ID, minus its first character, with the user's
// groups, so "xstaff" matches members of group "staff". capset matches IDs exactly.
TEST(CapabilityConfTest, Regression_PamCapGroupPrefixBugNotCopied) {
  LoginRules r = ParseCapabilityConf("cap_chown xstaff\n", "c.conf");
  EXPECT_FALSE(DecideLogin(r, {"bob", {"staff"}}).matched);
}

TEST(CapabilityConfTest, AnyMalformedLineIsAnError) {
  LoginRules r = ParseCapabilityConf("cap_chown alice\ncap_bogus bob\n^cap_net_raw\n", "c.conf");
  EXPECT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 2u);
  EXPECT_NE(r.diagnostics[0].ToString().find("c.conf:2:1: error:"), std::string::npos)
      << r.diagnostics[0].ToString();
  EXPECT_NE(r.diagnostics[0].ToString().find("cap_bogus"), std::string::npos);
  EXPECT_NE(r.diagnostics[1].ToString().find("c.conf:3:1: error:"), std::string::npos);
  EXPECT_NE(r.diagnostics[1].ToString().find("names no user"), std::string::npos);
}

TEST(LoginPolicyTest, YamlUsersSectionBecomesRules) {
  ParsedPolicy p = ParsePolicy(
      "users:\n  - match: \"@netadmin\"\n    ambient: [cap_net_raw]\n    drop-bounding: "
      "[cap_sys_module]\n  - match: \"*\"\n    inheritable: [cap_chown]\n",
      "p.yaml");
  ASSERT_TRUE(p.ok());
  LoginRules r = RulesFromPolicy(p.policy);
  ASSERT_EQ(r.rules.size(), 2u);
  LoginDecision d = DecideLogin(r, {"x", {"netadmin"}});
  ASSERT_TRUE(d.matched);
  EXPECT_EQ(d.rule->iab.ambient, CapBit(13));
  EXPECT_EQ(d.rule->iab.inheritable, CapBit(13));
  EXPECT_EQ(d.rule->iab.bounding_drop, CapBit(16));
  EXPECT_EQ(d.rule->where.ToString(), "p.yaml:2:5");
  EXPECT_EQ(DecideLogin(r, {"y", {"y"}}).rule->iab.inheritable, CapBit(0));
}

}  // namespace
}  // namespace capset
