// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl login: explaining a real user's grant, with real NSS (root and its groups).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace capset::testing {
namespace {

class LoginExplainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    conf_ = dir_ / "capability.conf";
    std::ofstream(conf_) << "# test\n^cap_net_raw   @nosuchgroup  bob\n!cap_sys_module,cap_chown  "
                            "@root\nnone *\n";
    ::chmod(conf_.c_str(), 0644);
  }
  CommandResult Login(std::vector<std::string> args) {
    args.insert(args.begin(), {CapctlPath(), "login", "--no-policy", "--config", conf_});
    return RunCommand(args);
  }
  ScratchDir dir_;
  std::string conf_;
};

TEST_F(LoginExplainTest, NamesTheDecidingLineAndTheEffect) {
  CommandResult r = Login({"root"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(conf_ + ":3:1 matches as '@root': !cap_sys_module,cap_chown"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("inheritable: cap_chown"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dropped from the bounding set: cap_sys_module"), std::string::npos);

  nlohmann::json j = nlohmann::json::parse(Login({"--json", "root"}).out);
  EXPECT_EQ(j["outcome"], "match");
  EXPECT_EQ(j["rule"]["line"], 3);
  EXPECT_EQ(j["bounding_drop"][0], "cap_sys_module");
}

TEST_F(LoginExplainTest, LargeFilesAreReadWholeWithoutLosingALine) {
  // 12,000 lines (~480 KiB), read as one consistent snapshot. The rule for root is the last
  // line, without a final newline.
  std::ofstream out(conf_);
  for (int i = 1; i < 12000; ++i) {
    out << "^cap_kill,!cap_sys_module" << std::string(static_cast<size_t>(i % 13), ' ') << " user"
        << i << " @group" << i << "\n";
  }
  out << "cap_chown root";
  out.close();
  nlohmann::json j = nlohmann::json::parse(Login({"--json", "root"}).out);
  EXPECT_EQ(j["outcome"], "match");
  EXPECT_EQ(j["rule"]["line"], 12000);

  // A very long line is one line, never split into two rules.
  std::ofstream(conf_) << "cap_chown bob" << std::string(70000, ' ') << "root\n";
  j = nlohmann::json::parse(Login({"--json", "root"}).out);
  EXPECT_EQ(j["outcome"], "match");
  EXPECT_EQ(j["rule"]["line"], 1);
  EXPECT_EQ(j["rule"]["matched"], "root");
}

TEST_F(LoginExplainTest, UnknownUserAndNoRule) {
  EXPECT_EQ(Login({"no-such-user-capset"}).exit_code, 1);
  std::ofstream(conf_) << "cap_chown alice\n";
  CommandResult r = Login({"root"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("no rule matches"), std::string::npos);
}

TEST_F(LoginExplainTest, MalformedOrUntrustedConfigGrantsNothing) {
  std::ofstream(conf_) << "cap_chown root\ncap_bogus *\n";
  CommandResult r = Login({"root"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(conf_ + ":2:1: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("grants nothing"), std::string::npos);

  std::ofstream(conf_) << "cap_chown root\n";
  ::chmod(conf_.c_str(), 0666);
  r = Login({"root"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("writable by everyone"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace capset::testing
