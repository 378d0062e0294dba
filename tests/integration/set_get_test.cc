// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl set / capctl get on real files with real security.capability xattrs, on ext4 and on
// tmpfs, checked with libcap's getcap.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace capset::testing {
namespace {

class SetGetTest : public ::testing::TestWithParam<ScratchDir::Fs> {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<ScratchDir>(GetParam());
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
    file_ = dir_->MakeFile("tool");
  }
  CommandResult Capctl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), CapctlPath());
    return RunCommand(args, input);
  }
  std::string Getcap(const std::string& path, bool n = false) {
    return n ? RunCommand({GetcapPath(), "-n", path}).out : RunCommand({GetcapPath(), path}).out;
  }

  std::unique_ptr<ScratchDir> dir_;
  std::string file_;
};

TEST_P(SetGetTest, SetThenGetAgreesWithGetcap) {
  CommandResult r = Capctl({"set", "cap_net_raw,cap_net_admin+ep", file_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Getcap(file_), file_ + " cap_net_admin,cap_net_raw=ep\n");
  EXPECT_EQ(Capctl({"get", file_}).out, Getcap(file_));
}

TEST_P(SetGetTest, VerifyReportsLikeSetcap) {
  ASSERT_EQ(Capctl({"set", "cap_net_raw=p", file_}).exit_code, 0);
  CommandResult ok = Capctl({"set", "-v", "cap_net_raw=p", file_});
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.out, file_ + ": OK\n");
  CommandResult bad = Capctl({"set", "-v", "cap_net_raw=ep", file_});
  CommandResult ref = RunCommand({SetcapPath(), "-v", "cap_net_raw=ep", file_});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(ref.exit_code, 1);
  EXPECT_EQ(bad.out, ref.out);
  EXPECT_EQ(Capctl({"set", "-q", "-v", "cap_chown=p", file_}).out, "");
}

TEST_P(SetGetTest, RemoveAndIdempotence) {
  ASSERT_EQ(Capctl({"set", "cap_chown=p", file_}).exit_code, 0);
  struct stat before {};
  ::stat(file_.c_str(), &before);
  ::usleep(20000);
  ASSERT_EQ(Capctl({"set", "cap_chown=p", file_}).exit_code, 0);
  struct stat after {};
  ::stat(file_.c_str(), &after);
  EXPECT_EQ(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec) << "re-setting the same caps wrote";
  ASSERT_EQ(Capctl({"set", "-r", file_}).exit_code, 0);
  EXPECT_EQ(RawCapXattr(file_), "");
  CommandResult again = Capctl({"set", "-r", file_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("no capabilities to remove"), std::string::npos) << again.err;
}

TEST_P(SetGetTest, DryRunWritesNothing) {
  CommandResult r = Capctl({"set", "--dry-run", "cap_sys_time=ep", file_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, file_ + ": would set cap_sys_time=ep\n");
  EXPECT_EQ(RawCapXattr(file_), "");
}

TEST_P(SetGetTest, StdinText) {
  CommandResult r = Capctl({"set", "-q", "-", file_}, "cap_kill=p\n\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Getcap(file_), file_ + " cap_kill=p\n");
}

TEST_P(SetGetTest, RootIdWritesV3AndGetShowsIt) {
  CommandResult r = Capctl({"set", "-n", "1000", "cap_net_raw=ep", file_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("grants nothing on the host"), std::string::npos);
  EXPECT_EQ(RawCapXattr(file_).size(), 24u);
  EXPECT_EQ(Capctl({"get", "-n", file_}).out, Getcap(file_, true));
  EXPECT_EQ(Capctl({"get", "-n", file_}).out, file_ + " cap_net_raw=ep [rootid=1000]\n");
  // Verification compares the root id: a v3 capability is not the host capability.
  CommandResult v = Capctl({"set", "-v", "cap_net_raw=ep", file_});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(v.out, "nsowner[got=1000, want=0]," + file_ + " differs in []\n");
  EXPECT_NE(v.err.find("grants nothing on the host"), std::string::npos);
  EXPECT_EQ(Capctl({"set", "-v", "-n", "1000", "cap_net_raw=ep", file_}).exit_code, 0);
}

TEST_P(SetGetTest, JsonOutput) {
  ASSERT_EQ(Capctl({"set", "cap_net_bind_service=ep", file_}).exit_code, 0);
  CommandResult r = Capctl({"get", "--json", file_, *dir_ / "missing"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["files"].size(), 1u);
  EXPECT_EQ(j["files"][0]["path"], file_);
  EXPECT_EQ(j["files"][0]["capabilities"]["text"], "cap_net_bind_service=ep");
  EXPECT_EQ(j["files"][0]["capabilities"]["permitted"][0], "cap_net_bind_service");
  EXPECT_EQ(j["files"][0]["capabilities"]["host_effective"], true);
  ASSERT_EQ(j["errors"].size(), 1u);

  r = Capctl({"set", "--json", "-v", "cap_chown=p", file_});
  EXPECT_EQ(r.exit_code, 1);
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["results"][0]["outcome"], "differs");
}

TEST_P(SetGetTest, RefusesSymlinksHardLinksAndUntrustedDirs) {
  const std::string link = *dir_ / "link";
  ASSERT_EQ(::symlink(file_.c_str(), link.c_str()), 0);
  CommandResult r = Capctl({"set", "cap_chown=p", link});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(file_), "");

  const std::string hard = *dir_ / "hard";
  ASSERT_EQ(::link(file_.c_str(), hard.c_str()), 0);
  r = Capctl({"set", "cap_chown=p", file_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("2 hard links"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(file_), "");
  r = Capctl({"set", "-f", "cap_chown=p", file_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning"), std::string::npos);
  ::unlink(hard.c_str());

  const std::string open_dir = *dir_ / "open";
  ::mkdir(open_dir.c_str(), 0777);
  ::chmod(open_dir.c_str(), 01777);
  const std::string inner = dir_->MakeFile("open/x");
  r = Capctl({"set", "cap_chown=p", inner});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("writable by everyone"), std::string::npos) << r.err;

  const std::string mine = dir_->MakeFile("mine");
  ASSERT_EQ(::chown(mine.c_str(), 1000, 1000), 0);
  r = Capctl({"set", "cap_chown=p", mine});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("non-root user"), std::string::npos) << r.err;

  r = Capctl({"set", "cap_chown=p", dir_->path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("directory"), std::string::npos) << r.err;
}

TEST_P(SetGetTest, NothingIsHalfWritten) {
  const std::string second = dir_->MakeFile("second");
  // A bad text after a good pair: nothing written.
  CommandResult r = Capctl({"set", "cap_chown=p", file_, "cap_bogus=p", second});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cap_bogus"), std::string::npos);
  EXPECT_EQ(RawCapXattr(file_), "");
  // A missing file after a good pair: nothing written.
  r = Capctl({"set", "cap_chown=p", file_, "cap_kill=p", *dir_ / "missing"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing"), std::string::npos);
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos);
  EXPECT_EQ(RawCapXattr(file_), "");
  // Both valid: both written.
  r = Capctl({"set", "cap_chown=p", file_, "cap_kill=p", second});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Getcap(second), second + " cap_kill=p\n");
}

TEST_P(SetGetTest, UsageErrors) {
  EXPECT_EQ(Capctl({"set"}).exit_code, 2);
  EXPECT_EQ(Capctl({"set", "cap_chown=p"}).exit_code, 2);
  EXPECT_EQ(Capctl({"set", "-n", "0", "cap_chown=p", file_}).exit_code, 2);
  EXPECT_EQ(Capctl({"set", "-n", "x", "cap_chown=p", file_}).exit_code, 2);
  EXPECT_EQ(Capctl({"set", "--bogus", file_}).exit_code, 2);
  EXPECT_EQ(Capctl({"get"}).exit_code, 2);
  EXPECT_EQ(Capctl({"frob"}).exit_code, 2);
  EXPECT_EQ(Capctl({"set", "--help"}).exit_code, 0);
  EXPECT_EQ(Capctl({"get", "--help"}).exit_code, 0);
}

// ramfs keeps no security.* extended attributes: the error must say so and name the file.
TEST(UnsupportedFilesystemTest, SetNamesTheFileAndTheReason) {
  ScratchDir dir(ScratchDir::Fs::kRamfs);
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  const std::string file = dir.MakeFile("tool");
  CommandResult r = RunCommand({CapctlPath(), "set", "cap_net_raw=ep", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'" + file + "'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not support file capabilities"), std::string::npos) << r.err;
  // getcap and capctl get agree that the file has none.
  EXPECT_EQ(RunCommand({CapctlPath(), "get", file}).out, RunCommand({GetcapPath(), file}).out);
}

INSTANTIATE_TEST_SUITE_P(Filesystems, SetGetTest,
                         ::testing::Values(ScratchDir::Fs::kExt4, ScratchDir::Fs::kTmpfs),
                         [](const auto& param_info) {
                           return param_info.param == ScratchDir::Fs::kExt4 ? "ext4" : "tmpfs";
                         });

}  // namespace
}  // namespace capset::testing
