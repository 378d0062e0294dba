// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl policy apply / verify / diff on real files and real security.capability xattrs
// (ext4, tmpfs; ramfs for the setuid fallback), with libcap's getcap as the oracle for what
// was written. The policy's paths live below the scratch directory through --root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "test_util.h"

namespace capset::testing {
namespace {

class PolicyFilesTest : public ::testing::TestWithParam<ScratchDir::Fs> {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (writes security.capability, chown)";
    dir_ = std::make_unique<ScratchDir>(GetParam());
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
    root_ = dir_->path();
    ASSERT_EQ(::mkdir((root_ + "/usr").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/usr/bin").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((root_ + "/etc").c_str(), 0755), 0);
    std::ofstream(root_ + "/etc/passwd") << "root:x:0:0::/root:/bin/sh\nping:x:4321:4321::/:/x\n";
    std::ofstream(root_ + "/etc/group") << "root:x:0:\nnetdev:x:4322:\n";
    ping_ = dir_->MakeFile("usr/bin/ping");
    mtr_ = dir_->MakeFile("usr/bin/mtr");
    ::chmod(ping_.c_str(), 04755);  // what a package ships today
    policy_ = root_ + "/policy.yaml";
    std::ofstream(policy_) << "files:\n"
                              "  - path: /usr/bin/ping\n"
                              "    caps: cap_net_raw=p\n"
                              "    package: iputils-ping\n"
                              "  - path: /usr/bin/mtr\n"
                              "    caps: cap_net_raw=ep\n"
                              "    package: mtr\n"
                              "    group: netdev\n"
                              "    mode: \"0750\"\n";
  }

  CommandResult Capctl(const std::string& verb, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CapctlPath(), "policy", verb, "--root", root_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(policy_);
    return RunCommand(argv);
  }
  static std::string Getcap(const std::string& path) {
    return RunCommand({GetcapPath(), path}).out;
  }
  static struct stat Stat(const std::string& path) {
    struct stat st {};
    ::lstat(path.c_str(), &st);
    return st;
  }

  std::unique_ptr<ScratchDir> dir_;
  std::string root_, ping_, mtr_, policy_;
};

TEST_P(PolicyFilesTest, ApplyVerifyAndIdempotence) {
  CommandResult r = Capctl("verify");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;  // drift before anything is applied
  EXPECT_NE(r.out.find("setuid set -> unset"), std::string::npos) << r.out;

  r = Capctl("apply", {"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("would change " + ping_), std::string::npos) << r.out;
  EXPECT_EQ(Getcap(ping_), "");
  EXPECT_TRUE(Stat(ping_).st_mode & S_ISUID);

  r = Capctl("apply");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // libcap's getcap agrees with what was written.
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_net_raw=ep\n");
  EXPECT_FALSE(Stat(ping_).st_mode & S_ISUID);
  EXPECT_EQ(Stat(mtr_).st_mode & 07777, 0750u);
  EXPECT_EQ(Stat(mtr_).st_gid, 4322u);  // from ROOT/etc/group, not the host's

  // Re-applying writes nothing: not even the inode change time moves.
  const struct stat before_ping = Stat(ping_), before_mtr = Stat(mtr_);
  ::usleep(20000);
  r = Capctl("apply", {"--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["summary"]["changed"], 0);
  EXPECT_EQ(Stat(ping_).st_ctim.tv_nsec, before_ping.st_ctim.tv_nsec);
  EXPECT_EQ(Stat(mtr_).st_ctim.tv_nsec, before_mtr.st_ctim.tv_nsec);
  EXPECT_EQ(Capctl("verify").exit_code, 0);
}

// A file whose name holds a newline (a policy may name one: issue 11) is applied, and each
// line of the report names it as "\n": no line of output begins with the rest of its name.
TEST_P(PolicyFilesTest, ANameWithANewlineIsOneLineOfTheReport) {
  const std::string odd = dir_->MakeFile("usr/bin/a\nchanged b: caps none -> all");
  std::ofstream(policy_) << "files:\n"
                            "  - path: \"/usr/bin/a\\nchanged b: caps none -> all\"\n"
                            "    caps: cap_net_raw=p\n";
  for (const char* verb : {"verify", "diff", "apply"}) {
    SCOPED_TRACE(verb);
    const CommandResult r = Capctl(verb);
    EXPECT_EQ(r.exit_code, std::string(verb) == "apply" ? 0 : 3) << r.err;
    EXPECT_NE(r.out.find(root_ + "/usr/bin/a\\nchanged b: caps none -> all"), std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("\nchanged b"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("\nchanged b"), std::string::npos) << r.err;
    if (std::string(verb) == "apply") {
      EXPECT_EQ(Getcap(odd), odd + " cap_net_raw=p\n");  // getcap prints the name as it is
    }
  }
}

TEST_P(PolicyFilesTest, VerifyReportsEachKindOfDrift) {
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  // A v3 capability with a root id grants nothing on the host: drift, although getcap
  // without -n shows the same text.
  ASSERT_EQ(RunCommand({SetcapPath(), "-n", "1000", "cap_net_raw=p", ping_}).exit_code, 0);
  ASSERT_EQ(::chown(mtr_.c_str(), 0, 0), 0);
  ::chmod(mtr_.c_str(), 04755);
  CommandResult r = Capctl("verify", {"--json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  auto kinds = [&](size_t i) {
    std::set<std::string> k;
    for (const auto& d : j["entries"][i]["drift"]) k.insert(d["kind"].get<std::string>());
    return k;
  };
  EXPECT_EQ(kinds(0), (std::set<std::string>{"rootid"})) << j.dump(2);
  // chown cleared mtr's capabilities (the kernel does); its group is root, it is set-user-ID
  // and 0755 now.
  EXPECT_EQ(kinds(1), (std::set<std::string>{"caps", "group", "setuid", "mode"})) << j.dump(2);
  EXPECT_EQ(j["entries"][0]["status"], "drift");

  r = Capctl("diff");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("-rootid: rootid=1000\n+rootid: rootid=0\n"), std::string::npos) << r.out;

  // --package limits the work to one package's entries.
  r = Capctl("apply", {"--package", "iputils-ping"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Capctl("verify", {"--package", "iputils-ping"}).exit_code, 0);
  EXPECT_EQ(Capctl("verify", {"--package", "mtr"}).exit_code, 3);
  EXPECT_EQ(Capctl("apply").exit_code, 0);
  EXPECT_EQ(Capctl("verify").exit_code, 0);
}

TEST_P(PolicyFilesTest, RefusesSymlinksAndUntrustedFiles) {
  // A file a user owns is refused, not "fixed": that user could replace what it runs.
  ASSERT_EQ(::chown(ping_.c_str(), 4321, 0), 0);
  CommandResult owned = Capctl("verify");
  EXPECT_EQ(owned.exit_code, 1);
  EXPECT_NE(owned.err.find("owned by a non-root user"), std::string::npos) << owned.err;
  ASSERT_EQ(::chown(ping_.c_str(), 0, 0), 0);

  ASSERT_EQ(::unlink(mtr_.c_str()), 0);
  ASSERT_EQ(::symlink(ping_.c_str(), mtr_.c_str()), 0);
  CommandResult r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");  // the other entry still applied
  ASSERT_EQ(::unlink(mtr_.c_str()), 0);
  dir_->MakeFile("usr/bin/mtr");
  ::chmod(mtr_.c_str(), 0757);  // world-writable: anyone could replace its contents
  r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("writable by everyone"), std::string::npos) << r.err;
  EXPECT_EQ(Getcap(mtr_), "");
}

INSTANTIATE_TEST_SUITE_P(Filesystems, PolicyFilesTest,
                         ::testing::Values(ScratchDir::Fs::kExt4, ScratchDir::Fs::kTmpfs),
                         [](const auto& param_info) {
                           return param_info.param == ScratchDir::Fs::kExt4 ? "ext4" : "tmpfs";
                         });

TEST(PolicyFilesFallbackTest, SetuidWhereTheFilesystemCannotStoreCapabilities) {
  if (!IsRoot()) GTEST_SKIP() << "needs root (mounts ramfs)";
  ScratchDir dir(ScratchDir::Fs::kRamfs);
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  ASSERT_EQ(::mkdir((dir.path() + "/bin").c_str(), 0755), 0);
  const std::string ping = dir.MakeFile("bin/ping"), arping = dir.MakeFile("bin/arping");
  const std::string policy = dir / "p.yaml";
  std::ofstream(policy) << "files:\n  - {path: /bin/ping, caps: cap_net_raw=p, fallback: setuid}\n"
                           "  - {path: /bin/arping, caps: cap_net_raw=p, fallback: none}\n";
  CommandResult r =
      RunCommand({CapctlPath(), "policy", "apply", "--root", dir.path(), "--json", policy});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // arping: no capabilities, no fallback
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["entries"][0]["fallback"], true);
  EXPECT_EQ(j["entries"][0]["status"], "changed");
  EXPECT_EQ(j["entries"][1]["status"], "error");
  EXPECT_NE(j["entries"][1]["error"].get<std::string>().find("fallback is none"),
            std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(ping.c_str(), &st), 0);
  EXPECT_TRUE(st.st_mode & S_ISUID);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_EQ(::stat(arping.c_str(), &st), 0);
  EXPECT_FALSE(st.st_mode & S_ISUID);
  // Verified as the fallback wants it.
  r = RunCommand({CapctlPath(), "policy", "verify", "--root", dir.path(), "--json", policy});
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["entries"][0]["status"], "ok") << j.dump(2);
}

}  // namespace
}  // namespace capset::testing
