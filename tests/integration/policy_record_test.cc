// SPDX-License-Identifier: LGPL-2.1-or-later
// The record of what capset applied (ROOT/var/lib/capset/applied-files.json) with the real
// capctl on real files: a policy file that goes away takes its capabilities with it, and
// nothing else; the record itself is never written through a planted link or into a directory
// someone else controls, and a planted lock is not handed over; two applies take turns. getcap
// is the oracle.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "capset/fd.h"
#include "test_util.h"

namespace capset::testing {
namespace {

using nlohmann::json;

class PolicyRecordTest : public ::testing::TestWithParam<ScratchDir::Fs> {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (writes security.capability)";
    dir_ = std::make_unique<ScratchDir>(GetParam());
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
    root_ = dir_->path();
    for (const char* d : {"/usr", "/usr/bin", "/usr/lib", "/usr/lib/capset",
                          "/usr/lib/capset/policy.d", "/etc"}) {
      ASSERT_EQ(::mkdir((root_ + d).c_str(), 0755), 0) << d;
    }
    ping_ = dir_->MakeFile("usr/bin/ping");
    mtr_ = dir_->MakeFile("usr/bin/mtr");
    WritePolicy("ping.yaml", "/usr/bin/ping", "cap_net_raw=p", "iputils-ping");
    WritePolicy("mtr.yaml", "/usr/bin/mtr", "cap_net_raw=ep", "mtr-tiny");
    record_ = root_ + "/var/lib/capset/applied-files.json";
  }

  void WritePolicy(const std::string& name, const std::string& path, const std::string& caps,
                   const std::string& package) {
    std::ofstream(root_ + "/usr/lib/capset/policy.d/" + name)
        << "files:\n  - path: " << path << "\n    caps: " << caps << "\n    package: " << package
        << "\n";
  }
  void RemovePolicy(const std::string& name) {
    ASSERT_EQ(::unlink((root_ + "/usr/lib/capset/policy.d/" + name).c_str()), 0);
  }
  // ROOT/var/lib/capset, made before capctl would make it (root's, 0755).
  void MakeRecordDirectory() {
    for (const char* d : {"/var", "/var/lib", "/var/lib/capset"}) {
      ASSERT_EQ(::mkdir((root_ + d).c_str(), 0755), 0) << d;
    }
  }
  CommandResult Capctl(const std::string& verb, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {CapctlPath(), "policy", verb, "--local", "--root", root_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  }
  static std::string Getcap(const std::string& path) {
    return RunCommand({GetcapPath(), path}).out;
  }
  json Record() const {
    std::ifstream in(record_);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, false);
  }
  std::set<std::string> RecordedPaths() const {
    std::set<std::string> out;
    const json r = Record();
    if (r.is_discarded()) return {"(not JSON)"};
    for (const auto& f : r["files"]) out.insert(f["path"].get<std::string>());
    return out;
  }

  std::unique_ptr<ScratchDir> dir_;
  std::string root_, ping_, mtr_, record_;
};

TEST_P(PolicyRecordTest, ARemovedPolicyTakesAwayWhatCapsetGaveAndNothingElse) {
  CommandResult r = Capctl("apply");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(RecordedPaths(), (std::set<std::string>{"/usr/bin/mtr", "/usr/bin/ping"}));
  struct stat st {};
  ASSERT_EQ(::stat(record_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0644u);

  RemovePolicy("mtr.yaml");  // the package shipping it was removed; /usr/bin/mtr stays
  r = Capctl("verify");
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find(mtr_ + ": drift: caps cap_net_raw=ep -> none (no longer in the policy)"),
            std::string::npos)
      << r.out;
  r = Capctl("verify", {"--json"});
  const json report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  ASSERT_EQ(report["entries"].size(), 2u);
  EXPECT_EQ(report["entries"][1]["path"], mtr_);
  EXPECT_EQ(report["entries"][1]["removed"], true);
  EXPECT_EQ(report["entries"][1]["package"], "mtr-tiny");
  EXPECT_EQ(report["summary"]["removed"], 1);
  EXPECT_EQ(report["record"]["path"], record_);
  EXPECT_TRUE(report["record"]["error"].is_null());

  r = Capctl("apply", {"--dry-run"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("would change " + mtr_), std::string::npos) << r.out;
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_net_raw=ep\n");
  EXPECT_EQ(RecordedPaths().size(), 2u);

  r = Capctl("apply");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("changed " + mtr_ + ": caps cap_net_raw=ep -> none"), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("1 no longer in the policy"), std::string::npos) << r.err;
  EXPECT_EQ(Getcap(mtr_), "");
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");
  EXPECT_EQ(RecordedPaths(), std::set<std::string>{"/usr/bin/ping"});
  r = Capctl("verify");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");  // nothing left to do
}

TEST_P(PolicyRecordTest, CapabilitiesSomeoneElseSetAreLeftAlone) {
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_sys_admin=p", mtr_}).exit_code, 0);
  RemovePolicy("mtr.yaml");
  CommandResult r = Capctl("apply");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("are not the ones capset applied (cap_net_raw=ep); left as they are"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_sys_admin=p\n");
  EXPECT_EQ(RecordedPaths(), std::set<std::string>{"/usr/bin/ping"});  // not capset's any more
}

TEST_P(PolicyRecordTest, PackageRunsAndPolicyFilesOnTheCommandLine) {
  // A policy given as files says nothing about the rest: no record is read or written.
  CommandResult r = Capctl("apply", {root_ + "/usr/lib/capset/policy.d/ping.yaml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(::access(record_.c_str(), F_OK), 0);
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  // --package only removes that package's leftovers.
  RemovePolicy("mtr.yaml");
  RemovePolicy("ping.yaml");
  r = Capctl("apply", {"--package", "mtr-tiny"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Getcap(mtr_), "");
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");
  EXPECT_EQ(RecordedPaths(), std::set<std::string>{"/usr/bin/ping"});
  // A file removed together with its policy is simply forgotten.
  ASSERT_EQ(::unlink(ping_.c_str()), 0);
  r = Capctl("apply");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(RecordedPaths(), std::set<std::string>{});
}

TEST_P(PolicyRecordTest, TheRecordIsNeverWrittenThroughALinkOrIntoSomeoneElsesDirectory) {
  const std::string dir = root_ + "/var/lib/capset";
  ASSERT_NO_FATAL_FAILURE(MakeRecordDirectory());
  ASSERT_EQ(::chown(dir.c_str(), 65534, 65534), 0);
  CommandResult r = Capctl("apply", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the files are applied all the same
  json report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_NE(report["record"]["error"].get<std::string>().find("Refusing the record directory"),
            std::string::npos)
      << report["record"];
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");
  EXPECT_NE(::access(record_.c_str(), F_OK), 0);
  r = Capctl("apply");
  EXPECT_NE(r.err.find("files removed from the policy may keep what capset gave them"),
            std::string::npos)
      << r.err;

  // Root's directory again, with the record a symbolic link to a file it must not touch.
  ASSERT_EQ(::chown(dir.c_str(), 0, 0), 0);
  const std::string victim = root_ + "/victim";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(::symlink(victim.c_str(), record_.c_str()), 0);
  r = Capctl("apply", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_TRUE(report["record"]["error"].is_string()) << report["record"];
  std::ifstream in(victim);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "precious");
  struct stat st {};
  ASSERT_EQ(::lstat(record_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));  // not replaced either: an unreadable record is kept
}

// The directory's owner (capsetd, holding CAP_FOWNER) can hard-link any file of the same
// filesystem as the lock; root's apply, which hands the lock to the directory's owner, must
// not hand over that file.
TEST_P(PolicyRecordTest, ALockWithAnotherNameIsNotHandedOver) {
  const std::string dir = root_ + "/var/lib/capset";
  ASSERT_NO_FATAL_FAILURE(MakeRecordDirectory());
  std::ofstream(root_ + "/etc/passwd") << "root:x:0:0::/root:/bin/sh\n"
                                       << "capsetd:x:4321:4321::/:/usr/sbin/nologin\n";
  ASSERT_EQ(::chown(dir.c_str(), 4321, 4321), 0);
  const std::string victim = root_ + "/etc/victim";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(::chmod(victim.c_str(), 0600), 0);
  ASSERT_EQ(::link(victim.c_str(), (dir + "/.lock").c_str()), 0);

  CommandResult r = Capctl("apply", {"--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the files are applied all the same
  const json report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  struct stat st {};
  ASSERT_EQ(::stat(victim.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_TRUE(report["record"]["error"].is_string()) << report["record"];
  EXPECT_NE(report["record"]["error"].get<std::string>().find("names (hard links)"),
            std::string::npos)
      << report["record"];
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(Getcap(ping_), ping_ + " cap_net_raw=p\n");

  // Without the planted link, the same directory works, and root hands the new lock over.
  ASSERT_EQ(::unlink((dir + "/.lock").c_str()), 0);
  r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(::stat((dir + "/.lock").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 4321u);
  EXPECT_EQ(RecordedPaths(), (std::set<std::string>{"/usr/bin/mtr", "/usr/bin/ping"}));
}

// A policy file with an error is left out whole: a typo must not look like a removal and
// strip the capabilities of every binary it names.
TEST_P(PolicyRecordTest, APolicyWithErrorsTakesNothingAway) {
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  std::ofstream(root_ + "/usr/lib/capset/policy.d/mtr.yaml", std::ios::app) << "    colour: red\n";
  CommandResult r = Capctl("apply", {"--json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;  // the policy error
  const json report = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_EQ(report["record"]["removals_skipped"], true);
  EXPECT_EQ(report["entries"].size(), 1u);  // ping only; mtr's file was left out
  r = Capctl("apply");
  EXPECT_NE(r.err.find("the policy has errors, so entries missing from it are not taken as "
                       "removed"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_net_raw=ep\n");
  EXPECT_EQ(RecordedPaths(), (std::set<std::string>{"/usr/bin/mtr", "/usr/bin/ping"}));
  r = Capctl("verify");
  EXPECT_EQ(r.out.find("no longer in the policy"), std::string::npos) << r.out;
}

TEST_P(PolicyRecordTest, ADamagedRecordIsKeptAndSaid) {
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  std::ofstream(record_, std::ios::trunc) << "{\"version\": 1, \"files\": [";
  RemovePolicy("mtr.yaml");
  CommandResult r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(record_ + "': not valid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_net_raw=ep\n");  // unknown now: left
  EXPECT_EQ(RecordedPaths(), std::set<std::string>{"(not JSON)"});
}

TEST_P(PolicyRecordTest, TwoAppliesTakeTurns) {
  ASSERT_EQ(Capctl("apply").exit_code, 0);  // creates the directory and its lock
  RemovePolicy("mtr.yaml");
  const int lock = ::open((root_ + "/var/lib/capset/.lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(lock, 0);
  ASSERT_EQ(::flock(lock, LOCK_EX), 0);  // another apply is under way
  std::future<CommandResult> waiting =
      std::async(std::launch::async, [&] { return Capctl("apply"); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
  EXPECT_EQ(Getcap(mtr_), mtr_ + " cap_net_raw=ep\n");  // it has not started changing files
  ::close(lock);
  const CommandResult r = waiting.get();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Getcap(mtr_), "");
}

// Issue 11: an in-place edit of a policy file during apply took capabilities away 330 times
// (a valid prefix of the file looks like removed entries). A file that changed less than a
// second ago is never the reason to take anything away: apply waits for it, or keeps it.
TEST_P(PolicyRecordTest, AFileBeingRewrittenInPlaceTakesNothingAway) {
  // Each apply that meets a half-written file waits a second: once, on tmpfs, is enough.
  if (GetParam() != ScratchDir::Fs::kTmpfs) GTEST_SKIP() << "run on tmpfs only";
  const std::string file = root_ + "/usr/lib/capset/policy.d/both.yaml";
  const std::string text =
      "files:\n  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n"
      "  - path: /usr/bin/mtr\n    caps: cap_net_raw=ep\n";
  RemovePolicy("ping.yaml");
  RemovePolicy("mtr.yaml");
  std::ofstream(file) << text;
  ::usleep(1100000);  // settled
  ASSERT_EQ(Capctl("apply").exit_code, 0);
  ASSERT_EQ(RecordedPaths(), (std::set<std::string>{"/usr/bin/mtr", "/usr/bin/ping"}));

  // A writer that truncates the file, pauses, then writes it again, as `cat new > file` or
  // an editor writing in place does; applies run meanwhile.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    while (!stop) {
      {
        Fd fd(::open(file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
        ::usleep(3000);  // empty: a valid policy naming nothing
        const size_t half = text.size() / 2;
        (void)!::write(fd.get(), text.data(), half);  // a valid prefix: ping only
        ::usleep(2000);
        (void)!::write(fd.get(), text.data() + half, text.size() - half);
      }
      ::usleep(2000);  // whole for a moment; most reads see a prefix
    }
  });
  // Until the race was met twice (most applies meet it), at least 4 and at most 16 applies.
  int waited = 0, deferred = 0, torn = 0, taken = 0, applies = 0;
  for (; applies < 16 && (applies < 4 || waited + torn < 2); ++applies) {
    CommandResult r = Capctl("apply");
    if (r.err.find("waited for it to settle") != std::string::npos) ++waited;
    if (r.err.find("is taken away by the next apply, not now") != std::string::npos) ++deferred;
    if (r.err.find("changed while it was read") != std::string::npos) ++torn;
    if (Getcap(ping_).empty() || Getcap(mtr_).empty()) ++taken;
    if (r.out.find("no longer in the policy") != std::string::npos) ++taken;
  }
  stop = true;
  writer.join();
  std::printf(
      "%d applies during in-place rewrites: %d read a prefix and waited, %d then kept "
      "an entry for later, %d refused a torn read, %d took one away\n",
      applies, waited, deferred, torn, taken);
  EXPECT_EQ(taken, 0);
  EXPECT_GT(waited + torn, 0) << "the race was never seen; the test proves nothing";
  EXPECT_EQ(RecordedPaths(), (std::set<std::string>{"/usr/bin/mtr", "/usr/bin/ping"}));

  // A real removal right after the edit: the apply waits for the file to settle, then takes
  // the capability away in the same run.
  std::ofstream(file) << "files:\n  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n";
  CommandResult r = Capctl("apply");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(
      r.out.find("changed " + mtr_ + ": caps cap_net_raw=ep -> none (no longer in the policy)"),
      std::string::npos)
      << r.out << r.err;
  EXPECT_EQ(Getcap(mtr_), "");
  EXPECT_NE(Getcap(ping_), "");
}

INSTANTIATE_TEST_SUITE_P(Filesystems, PolicyRecordTest,
                         ::testing::Values(ScratchDir::Fs::kExt4, ScratchDir::Fs::kTmpfs),
                         [](const auto& param_info) {
                           return param_info.param == ScratchDir::Fs::kExt4 ? "ext4" : "tmpfs";
                         });

}  // namespace
}  // namespace capset::testing
