// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 12, the property through systemd itself: drop-ins rendered from random policies the
// parser accepts (values built from hostile pieces) are read by the real systemd-analyze
// verify as the directives meant: no line of a drop-in is a stray line, an unknown key, an
// assignment outside [Service], or a user or group systemd refuses. (What a value means to its
// setting — a relative path, an unbalanced quote in a word list — is the administrator's
// systemd syntax, and systemd says so in its own words.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "capset/policy_parser.h"
#include "capset/unit_gen.h"
#include "capset/yaml_quote.h"
#include "test_util.h"

namespace capset::testing {
namespace {

namespace fs = std::filesystem;

TEST(DropInVerifyTest, SystemdReadsEveryAcceptedDropInWithoutComplaint) {
  constexpr char kAnalyze[] = "/usr/bin/systemd-analyze";
  if (::access(kAnalyze, X_OK) != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  char tmpl[] = "/tmp/capset-dropin.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::vector<std::string> pieces = {"www-data", "u", "yes", "a-b", "\xc3\xa9", "4242",
                                           "x\\", "\n", "\r", "%h", "=", "#", "[Service]",
                                           " ", "\t", "User=root", "\"", ";", "/srv"};
  std::mt19937 rng(1212);
  auto value = [&](bool mostly_name) {
    std::string v;
    for (int i = 1 + static_cast<int>(rng() % 3); i > 0; --i) {
      v += mostly_name && rng() % 10 < 8 ? pieces[rng() % 6] : pieces[rng() % pieces.size()];
    }
    return v;
  };
  std::vector<std::string> units;
  for (int i = 0; units.size() < 60 && i < 5000; ++i) {
    const std::string name = "capset-prop-" + std::to_string(i) + ".service";
    Result<std::string> user = YamlQuoted(value(true)), group = YamlQuoted(value(true)),
                        desc = YamlQuoted(value(false)), path = YamlQuoted("/srv/" + value(false));
    if (!user.ok() || !group.ok() || !desc.ok() || !path.ok()) continue;
    const ParsedPolicy p = ParsePolicy("services:\n  " + name + ":\n    user: " + *user +
                                           "\n    group: " + *group +
                                           "\n    ambient: [CAP_NET_BIND_SERVICE]\n"
                                           "    settings:\n      SyslogIdentifier: " + *desc +
                                           "\n      ReadWritePaths: [" + *path + "]\n",
                                       "prop.yaml");
    if (!p.ok()) continue;
    Result<std::string> text = RenderDropIn(p.policy.services[0], nullptr);
    ASSERT_TRUE(text.ok()) << text.status().message();
    fs::create_directories(dir + "/" + name + ".d");
    std::ofstream(dir + "/" + name + ".d/50-capset.conf") << *text;
    std::ofstream(dir + "/" + name) << "[Unit]\nDescription=capset property sample\n\n"
                                       "[Service]\nExecStart=/usr/bin/true\n";
    units.push_back(dir + "/" + name);
  }
  ASSERT_GE(units.size(), 30u);
  std::vector<std::string> argv = {kAnalyze, "verify", "--man=no"};
  argv.insert(argv.end(), units.begin(), units.end());
  CommandResult r = RunCommand(argv);
  std::printf("systemd-analyze verify: %zu drop-ins from accepted random policies\n",
              units.size());
  for (const char* structural :
       {"Missing '='", "Unknown key", "Unknown section", "Invalid section header",
        "Assignment outside of section", "Invalid user/group name", "Unknown lvalue",
        "line too long", "Failed to parse user", "Failed to parse group"}) {
    EXPECT_EQ(r.err.find(structural), std::string::npos)
        << "systemd read a drop-in line as something else (" << structural << "):\n"
        << r.err.substr(0, 2000);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace capset::testing
