// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl get must print exactly what getcap prints: same lines, same order, for the same
// files and flags. The reference is libcap's getcap, run on the same tree.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.h"

namespace capset::testing {
namespace {

void ExpectSameAsGetcap(const std::vector<std::string>& flags_and_paths) {
  std::vector<std::string> a = {CapctlPath(), "get"};
  std::vector<std::string> b = {GetcapPath()};
  a.insert(a.end(), flags_and_paths.begin(), flags_and_paths.end());
  b.insert(b.end(), flags_and_paths.begin(), flags_and_paths.end());
  CommandResult ours = RunCommand(a);
  CommandResult ref = RunCommand(b);
  std::string args;
  for (const auto& s : flags_and_paths) args += s + " ";
  EXPECT_EQ(ours.out, ref.out) << "capctl get " << args;
}

TEST(GetcapCompatTest, SystemTrees) {
  // Read-only, no root needed: whatever the machine has (gst-ptp-helper, ping, ...).
  ExpectSameAsGetcap({"-r", "/usr/bin", "/usr/sbin", "/usr/lib"});
  ExpectSameAsGetcap({"-r", "-n", "/usr/lib/"});
  ExpectSameAsGetcap({"/usr/bin/ls", "/usr/bin", "/usr/bin/true"});
  ExpectSameAsGetcap({"-v", "/usr/bin/ls", "/usr/bin", "/usr/bin/true"});
  ExpectSameAsGetcap({"-r", "-v", "/etc/systemd"});
}

TEST(GetcapCompatTest, MissingPathsGoToStderrAndExitStatusSaysSo) {
  CommandResult r = RunCommand({CapctlPath(), "get", "/nonexistent/x", "/usr/bin/true"});
  EXPECT_EQ(r.out, RunCommand({GetcapPath(), "/nonexistent/x", "/usr/bin/true"}).out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'/nonexistent/x'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("No such file"), std::string::npos) << r.err;
}

class GetcapTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    namespace fs = std::filesystem;
    const std::string root = dir_.path();
    // A tree with capabilities at several depths, v3 capabilities, symlinks, a FIFO, an empty
    // directory, an unreadable directory and names with spaces.
    for (const char* d : {"a", "a/b", "a/b/c", "d e", "empty", "many"}) {
      fs::create_directories(root + "/" + d);
    }
    const std::vector<std::pair<std::string, std::string>> caps = {
        {"a/ping", "cap_net_raw=ep"},
        {"a/b/c/deep", "cap_sys_admin,cap_chown+ip"},
        {"d e/with space", "cap_net_bind_service=ep"},
        {"a/b/v3", "-n 1234 cap_kill=p"},
        {"a/all", "all=p"},
        {"a/hi", "40,63=i"},
        {"a/empty", "="},
    };
    for (const auto& [name, text] : caps) {
      const std::string p = dir_.MakeFile(name);
      std::vector<std::string> argv = {SetcapPath()};
      if (text.rfind("-n ", 0) == 0) {
        argv.push_back("-n");
        argv.push_back(text.substr(3, text.find(' ', 3) - 3));
        argv.push_back(text.substr(text.find(' ', 3) + 1));
      } else {
        argv.push_back(text);
      }
      argv.push_back(p);
      ASSERT_EQ(RunCommand(argv).exit_code, 0) << name;
    }
    for (int i = 0; i < 300; ++i) dir_.MakeFile("many/f" + std::to_string(i));
    ASSERT_EQ(RunCommand({SetcapPath(), "cap_chown=p", dir_ / "many/f150"}).exit_code, 0);
    dir_.MakeFile("a/plain");
    ::symlink("ping", (dir_ / "a/link").c_str());
    ::symlink("b", (dir_ / "a/dirlink").c_str());
    ::mkfifo((dir_ / "a/fifo").c_str(), 0644);
  }
  ScratchDir dir_;
};

TEST_F(GetcapTreeTest, RecursiveVerboseRootIdAndOrder) {
  const std::string root = dir_.path();
  ExpectSameAsGetcap({"-r", root});
  ExpectSameAsGetcap({"-r", root + "/"});
  ExpectSameAsGetcap({"-r", "-v", root});
  ExpectSameAsGetcap({"-r", "-n", root});
  ExpectSameAsGetcap({"-r", "-n", "-v", root + "/a", root + "/d e", root + "/a/ping"});
  ExpectSameAsGetcap({"-v", root + "/a/ping", root + "/a/link", root + "/a/fifo", root + "/a"});
  ExpectSameAsGetcap({"-r", root + "/a/link", root + "/a/fifo", root + "/a/dirlink"});
}

TEST_F(GetcapTreeTest, ThreadCountsGiveTheSameOutput) {
  const std::string ref = RunCommand({GetcapPath(), "-r", "-v", dir_.path()}).out;
  for (const char* t : {"--threads=1", "--threads=2", "--threads=7"}) {
    EXPECT_EQ(RunCommand({CapctlPath(), "get", "-r", "-v", t, dir_.path()}).out, ref) << t;
  }
}

TEST_F(GetcapTreeTest, OneFileSystemStaysOnTheRootFilesystem) {
  const std::string mnt = dir_ / "a/mnt";
  std::filesystem::create_directories(mnt);
  ScratchDir other(ScratchDir::Fs::kTmpfs);
  if (!other.skip_reason().empty()) GTEST_SKIP() << other.skip_reason();
  const std::string inner = other.MakeFile("inside");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_chown=p", inner}).exit_code, 0);
  ASSERT_EQ(RunCommand({"/usr/bin/mount", "--bind", other.path(), mnt}).exit_code, 0);
  const std::string all = RunCommand({CapctlPath(), "get", "-r", dir_.path()}).out;
  const std::string one =
      RunCommand({CapctlPath(), "get", "-r", "--one-file-system", dir_.path()}).out;
  RunCommand({"/usr/bin/umount", mnt});
  EXPECT_NE(all.find("a/mnt/inside cap_chown=p"), std::string::npos) << all;
  EXPECT_EQ(one.find("inside"), std::string::npos) << one;
  EXPECT_NE(one.find("a/ping cap_net_raw=ep"), std::string::npos) << one;
}

TEST_F(GetcapTreeTest, UnreadableDirectoryIsAnErrorNotSilence) {
  // Root reads everything; drop to nobody for this one run.
  ::chmod((dir_ / "a/b").c_str(), 0700);
  CommandResult r = RunCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                "--clear-groups", CapctlPath(), "get", "-r", dir_.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a/b"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("a/ping cap_net_raw=ep"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace capset::testing
