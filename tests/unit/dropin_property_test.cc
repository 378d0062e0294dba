// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 12: values with "\n", "\r", NUL or a trailing backslash made the drop-in say more than
// capset meant (a policy with `user: www-data` once yielded a unit running as root with
// CAP_SYS_ADMIN). For any policy the parser accepts, the rendered drop-in read back with
// systemd's syntax is exactly the directives capset meant; hostile values are refused at
// their file:line:column.
#include <gtest/gtest.h>

#include <random>

#include "capset/policy_parser.h"
#include "capset/unit_gen.h"
#include "capset/unit_syntax.h"
#include "common/dropin_oracle.h"
#include "capset/yaml_quote.h"

namespace capset {
namespace {

using testing::MeantDirectives;
using testing::ReadUnitFile;

// Checks the property for every service of `yaml`; returns how many were accepted.
int CheckAll(const std::string& yaml) {
  const ParsedPolicy p = ParsePolicy(yaml, "p.yaml");
  if (!p.ok()) return 0;
  for (const ServicePolicy& s : p.policy.services) {
    Result<std::string> text = RenderDropIn(s, nullptr);
    EXPECT_TRUE(text.ok()) << "the parser accepted what the renderer refuses: " << yaml << "\n"
                           << text.status().message();
    if (!text.ok()) continue;
    const auto got = ReadUnitFile(*text);
    const auto want = MeantDirectives(s, nullptr);
    EXPECT_EQ(got.size(), want.size()) << yaml << "\n---\n" << *text;
    for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
      EXPECT_EQ(got[i].key, want[i].key) << yaml << "\n---\n" << *text;
      EXPECT_EQ(got[i].value, want[i].value) << yaml << "\n---\n" << *text;
    }
  }
  return static_cast<int>(p.policy.services.size());
}

std::string Q(const std::string& s) { return *YamlQuoted(s); }

TEST(DropInPropertyTest, HostileValuesAreRefusedWhereTheyAreWritten) {
  struct Case {
    std::string yaml, error;
  };
  const Case cases[] = {
      {"services:\n  www.service:\n    user: " + Q("www-data\nUser=root") + "\n",
       "p.yaml:3:11: error: 'user': expected a user name, but it holds a control character"},
      {"services:\n  www.service:\n    user: u\n    group: " + Q("g\rUser=root") + "\n",
       "p.yaml:4:12: error: 'group': expected a group name"},
      {"services:\n  www.service:\n    user: u\n    settings:\n      ProtectHome: " +
           Q("yes\rCapabilityBoundingSet=CAP_SYS_ADMIN") + "\n",
       "p.yaml:5:20: error: 'settings': ProtectHome: a carriage return"},
      {"services:\n  www.service:\n    user: u\n    settings:\n      ReadWritePaths: [/a, " +
           Q("/b\nUser=root") + "]\n",
       "'settings': ReadWritePaths: a newline"},
      {"services:\n  www.service:\n    user: u\n    settings:\n      Description: " +
           Q("x\\") + "\n",
       "a trailing backslash (a line continuation)"},
      {"services:\n  www.service:\n    user: " + Q("www\\") + "\n    settings:\n      X: y\n",
       ""},  // a backslash in a name is no continuation, but see the next check
      {"services:\n  systemd-.service:\n    user: u\n",
       "a name ending in '-' is a prefix: systemd would apply its drop-in to every systemd-*"},
      {"services:\n  " + Q("a\nb.service") + ":\n    user: u\n",
       "expected a service unit name"},
      {"services:\n  www.service:\n    user: \"-rf\"\n", "it starts with '-'"},
      {"services:\n  www.service:\n    user: \"a:b\"\n", "it holds ':'"},
  };
  for (const Case& c : cases) {
    const ParsedPolicy p = ParsePolicy(c.yaml, "p.yaml");
    std::string all;
    for (const auto& d : p.diagnostics) all += d.ToString() + "\n";
    if (c.error.empty()) {
      // Accepted: then the property must hold for it.
      CheckAll(c.yaml);
      continue;
    }
    EXPECT_FALSE(p.ok()) << c.yaml;
    EXPECT_NE(all.find(c.error), std::string::npos) << c.yaml << "\n" << all;
  }
}

TEST(DropInPropertyTest, WhatTheParserAcceptsReadsBackAsMeant) {
  // Random policies from pieces that include every hostile character.
  const std::vector<std::string> atoms = {"www-data", "u", "0", "4242", "a b", "x\\", "\\",
                                          "\n", "\r", "\t", std::string(1, '\0'), "=", "#",
                                          ";", "[Service]", "%h", "\xc3\xa9", "\xff", " ", "\"",
                                          "User=root", "\\\n", "yes"};
  const std::vector<std::string> safe = {"www-data", "u", "yes", "a b", "\xc3\xa9", "=", "4242"};
  std::mt19937 rng(12);
  // Mostly harmless pieces, so that whole policies are accepted often enough to test them.
  auto pick = [&] { return rng() % 10 < 8 ? safe[rng() % safe.size()] : atoms[rng() % atoms.size()]; };
  auto value = [&] {
    std::string v;
    for (int i = 1 + static_cast<int>(rng() % 4); i > 0; --i) v += pick();
    return v;
  };
  int accepted = 0, tried = 0;
  for (int i = 0; i < 3000; ++i) {
    const Result<std::string> user = YamlQuoted(value()), group = YamlQuoted(value()),
                              setting = YamlQuoted(value()), item = YamlQuoted(value());
    if (!user.ok() || !group.ok() || !setting.ok() || !item.ok()) continue;
    ++tried;
    accepted += CheckAll("services:\n  s" + std::to_string(i) + ".service:\n    user: " + *user +
                         "\n    group: " + *group + "\n    ambient: [CAP_NET_RAW]\n" +
                         "    settings:\n      ProtectHome: " + *setting +
                         "\n      ReadWritePaths: [/srv, " + *item + "]\n");
  }
  std::printf("drop-in property: %d random policies, %d accepted and read back as meant\n", tried,
              accepted);
  EXPECT_GT(accepted, 200);
  EXPECT_LT(accepted, tried);
}

TEST(DropInPropertyTest, CommentsCannotBeEndedOrContinued) {
  // The policy file's name goes into the header comment.
  const std::string hostile = "/etc/capset/policy.d/x\nUser=root\n[Service]\nA=b\\";
  const ParsedPolicy p = ParsePolicy("services:\n  s.service:\n    user: u\n", hostile);
  ASSERT_TRUE(p.ok());
  Result<std::string> text = RenderDropIn(p.policy.services[0], nullptr);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(ReadUnitFile(*text), MeantDirectives(p.policy.services[0], nullptr)) << *text;
  EXPECT_NE(text->find("x\\x0aUser=root\\x0a[Service]\\x0aA=b\\\\"), std::string::npos) << *text;
}

}  // namespace
}  // namespace capset
