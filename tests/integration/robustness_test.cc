// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 12: inputs any user can create, and conditions any system can be in, never crash or
// stall capset. Each test names the finding it keeps from coming back.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>

#include "test_util.h"

namespace capset::testing {
namespace {

class RobustnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (file capabilities, running as another user)";
    dir_ = std::make_unique<ScratchDir>(ScratchDir::Fs::kTmpfs);
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
  }
  std::unique_ptr<ScratchDir> dir_;
};

// ParallelFor and the scanner's pool called std::terminate when a thread could not be
// created (a joinable std::thread destroyed): capctl get -r died with SIGABRT under a process
// limit. They fall back to serial work now.
TEST_F(RobustnessTest, ThreadsThatCannotStartDoNotAbort) {
  ASSERT_EQ(::mkdir((*dir_ / "tree").c_str(), 0755), 0);
  const std::string f = dir_->MakeFile("tree/prog");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", f}).exit_code, 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(::mkdir((*dir_ / ("tree/d" + std::to_string(i))).c_str(), 0755), 0);
  }
  // As nobody with a process limit of 1: nobody already runs a process (itself), so the
  // kernel refuses every thread.
  auto limited = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                     "--clear-groups", "/usr/bin/prlimit", "--nproc=1:1",
                                     CapctlPath()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  };
  CommandResult r = limited({"get", "-r", *dir_ / "tree"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, RunCommand({GetcapPath(), "-r", *dir_ / "tree"}).out);

  // The policy loader reads files on every CPU once there are 16 or more.
  const std::string img = *dir_ / "img";
  for (const char* d : {"", "/etc", "/etc/capset", "/etc/capset/policy.d"}) {
    ASSERT_EQ(::mkdir((img + d).c_str(), 0755), 0) << d;
  }
  for (int i = 0; i < 40; ++i) {
    std::ofstream(img + "/etc/capset/policy.d/" + std::to_string(10 + i) + ".yaml")
        << "services:\n  s" << i << ".service:\n    user: u\n";
  }
  r = limited({"policy", "check", "--root", img});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("40 file(s) valid"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace capset::testing
