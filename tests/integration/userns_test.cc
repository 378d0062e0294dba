// SPDX-License-Identifier: LGPL-2.1-or-later
// v3 file capabilities, written from inside a real user namespace whose root is an
// unprivileged uid on the host: the kernel stores them with that root id, they show up as
// "[rootid=N]" on the host, and verification on the host reports them as granting nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include "test_util.h"

namespace capset::testing {
namespace {

constexpr uid_t kNsRoot = 200000;

class UserNamespaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    CommandResult probe = RunCommand({"/usr/bin/true"}, "", kNsRoot);
    if (probe.exit_code != 0) {
      GTEST_SKIP() << "cannot create a user namespace here (unshare(CLONE_NEWUSER) failed)";
    }
    file_ = dir_.MakeFile("tool");
    // Owned by the namespace's root, so that root inside may set its capabilities.
    ASSERT_EQ(::chown(file_.c_str(), kNsRoot, kNsRoot), 0);
  }
  ScratchDir dir_{ScratchDir::Fs::kExt4};
  std::string file_;
};

TEST_F(UserNamespaceTest, WritesV3WithTheNamespaceRootId) {
  CommandResult set = RunCommand({CapctlPath(), "set", "cap_net_raw=ep", file_}, "", kNsRoot);
  ASSERT_EQ(set.exit_code, 0) << set.err;

  // Inside, the capability looks like a plain (v2) one.
  CommandResult inside = RunCommand({CapctlPath(), "get", "-n", file_}, "", kNsRoot);
  EXPECT_EQ(inside.out, file_ + " cap_net_raw=ep\n");
  EXPECT_EQ(inside.out, RunCommand({GetcapPath(), "-n", file_}, "", kNsRoot).out);

  // On the host it is a v3 capability for root id 200000.
  EXPECT_EQ(RawCapXattr(file_).size(), 24u);
  const std::string expected = file_ + " cap_net_raw=ep [rootid=200000]\n";
  EXPECT_EQ(RunCommand({CapctlPath(), "get", "-n", file_}).out, expected);
  EXPECT_EQ(RunCommand({GetcapPath(), "-n", file_}).out, expected);

  CommandResult verify = RunCommand({CapctlPath(), "set", "-v", "cap_net_raw=ep", file_});
  EXPECT_EQ(verify.exit_code, 1);
  EXPECT_NE(verify.out.find("nsowner[got=200000, want=0]"), std::string::npos) << verify.out;
  EXPECT_NE(verify.err.find("grants nothing on the host"), std::string::npos) << verify.err;
  EXPECT_EQ(
      RunCommand({CapctlPath(), "set", "-v", "-n", "200000", "cap_net_raw=ep", file_}).exit_code,
      0);
  // Inside the namespace the same capability verifies as its own.
  EXPECT_EQ(RunCommand({CapctlPath(), "set", "-v", "cap_net_raw=ep", file_}, "", kNsRoot).exit_code,
            0);
}

TEST_F(UserNamespaceTest, RootInsideCannotTouchFilesOfHostRoot) {
  const std::string host_file = dir_.MakeFile("host");
  CommandResult set = RunCommand({CapctlPath(), "set", "cap_net_raw=ep", host_file}, "", kNsRoot);
  EXPECT_EQ(set.exit_code, 1);
  EXPECT_NE(set.err.find("host"), std::string::npos) << set.err;
  EXPECT_EQ(RawCapXattr(host_file), "");
}

}  // namespace
}  // namespace capset::testing
