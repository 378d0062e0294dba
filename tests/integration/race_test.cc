// SPDX-License-Identifier: LGPL-2.1-or-later
// The TOCTOU race of path-based cap_set_file (CVE-2026-4878): while another process keeps
// swapping a path between a regular file and a symlink to a victim file, capctl set on that
// path must never put capabilities on the victim. The same is checked for a directory
// component swapped with a symlink to another directory. Each attempt is counted.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "capset/file_cap_store.h"
#include "capset/safe_path.h"
#include "test_util.h"

namespace capset::testing {
namespace {

// Forks a process that exchanges `a` and `b` (renameat2 RENAME_EXCHANGE) until killed.
pid_t StartSwapper(const std::string& a, const std::string& b) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (;;) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  }
  return pid;
}

void Stop(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

struct Counts {
  int attempts = 0, written = 0, refused = 0, victim_hit = 0;
};

class RaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    victim_ = dir_.MakeFile("victim");
  }
  void ClearVictim() { ::removexattr(victim_.c_str(), "security.capability"); }

  // `attempts` times: open `path` the safe way and set `text` on it (then clear it again),
  // counting refusals, writes, and capabilities found on the victim afterwards.
  Counts AttemptInProcess(const std::string& path, const char* text, int attempts) {
    const FileCaps caps = *FileCaps::FromText(text);
    Counts c;
    for (; c.attempts < attempts; ++c.attempts) {
      Result<SafeFile> f = OpenRegularFileNoFollow(RealSys(), path, {});
      if (!f.ok()) {
        ++c.refused;
        continue;
      }
      if (WriteFileCaps(RealSys(), f->fd.get(), path, caps, false).ok()) ++c.written;
      RealSys().RemoveCapXattr(f->fd.get()).ok();
      if (!RawCapXattr(victim_).empty()) ++c.victim_hit, ClearVictim();
    }
    return c;
  }

  ScratchDir dir_{ScratchDir::Fs::kTmpfs};
  std::string victim_;
};

TEST_F(RaceTest, FinalComponentSwappedWithSymlinkInProcess) {
  dir_.MakeFile("target");
  ::symlink(victim_.c_str(), (dir_ / "other").c_str());
  const pid_t swapper = StartSwapper(dir_ / "target", dir_ / "other");
  const Counts c = AttemptInProcess(dir_ / "target", "cap_net_raw=ep", 20000);
  Stop(swapper);
  std::printf(
      "in-process: %d attempts, %d written to the regular file, %d refused, %d on the "
      "symlink's target\n",
      c.attempts, c.written, c.refused, c.victim_hit);
  EXPECT_EQ(c.victim_hit, 0);
  EXPECT_GT(c.written, 0) << "the race never let a write through: test exercised nothing";
  EXPECT_GT(c.refused, 0) << "the race never showed a symlink: test exercised nothing";
}

TEST_F(RaceTest, FinalComponentSwappedWithSymlinkCapctlVersusSetcap) {
  dir_.MakeFile("target");
  ::symlink(victim_.c_str(), (dir_ / "other").c_str());
  const pid_t swapper = StartSwapper(dir_ / "target", dir_ / "other");
  Counts ours, libcap;
  for (int i = 0; i < SubprocessRepeats(1500); ++i) {
    ++ours.attempts;
    if (RunCommand({CapctlPath(), "set", "cap_net_raw=ep", dir_ / "target"}).exit_code == 0) {
      ++ours.written;
    } else {
      ++ours.refused;
    }
    if (!RawCapXattr(victim_).empty()) ++ours.victim_hit, ClearVictim();
  }
  for (int i = 0; i < 300; ++i) {
    ++libcap.attempts;
    RunCommand({SetcapPath(), "cap_net_raw=ep", dir_ / "target"});
    if (!RawCapXattr(victim_).empty()) ++libcap.victim_hit, ClearVictim();
  }
  Stop(swapper);
  std::printf("capctl: %d attempts, %d written, %d refused, %d on the symlink's target\n",
              ours.attempts, ours.written, ours.refused, ours.victim_hit);
  std::printf("setcap (reference, path-based): %d attempts, %d on the symlink's target\n",
              libcap.attempts, libcap.victim_hit);
  EXPECT_EQ(ours.victim_hit, 0);
  EXPECT_GT(ours.written, 0);
  EXPECT_GT(ours.refused, 0);
}

TEST_F(RaceTest, DirectoryComponentSwappedWithSymlink) {
  // dir/real/tool is a regular file; dir/evil -> a directory holding "tool" = the victim.
  std::filesystem::create_directories(dir_ / "real");
  std::filesystem::create_directories(dir_ / "victims");
  dir_.MakeFile("real/tool");
  ::rename(victim_.c_str(), (dir_ / "victims/tool").c_str());
  victim_ = dir_ / "victims/tool";
  ::symlink((dir_ / "victims").c_str(), (dir_ / "evil").c_str());
  const pid_t swapper = StartSwapper(dir_ / "real", dir_ / "evil");
  const Counts c = AttemptInProcess(dir_ / "real/tool", "cap_sys_admin=ep", 20000);
  Stop(swapper);
  std::printf("directory swap: %d attempts, %d written, %d refused, %d on the victim\n", c.attempts,
              c.written, c.refused, c.victim_hit);
  EXPECT_EQ(c.victim_hit, 0);
  EXPECT_GT(c.written, 0);
  EXPECT_GT(c.refused, 0);
}

}  // namespace
}  // namespace capset::testing
