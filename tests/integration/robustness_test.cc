// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 12: inputs any user can create, and conditions any system can be in, never crash or
// stall capset. Each test names the finding it keeps from coming back.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "capset/fd.h"
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
    // LeakSanitizer checks for leaks from a thread of its own, which this limit forbids.
    return RunCommand(argv, "", std::nullopt, {"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1"});
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

// nlohmann::json threw type_error 316 on names that are not UTF-8, which any user can create:
// capctl get --json, set --json (after the capability was written) and audit --json aborted.
// Every --json output now gives such a name as "path" (U+FFFD for each bad byte) and
// "path_bytes" (the bytes).
TEST_F(RobustnessTest, JsonOutputsCarryNamesThatAreNotUtf8) {
  const std::string name = std::string("bad\xff\xfe") + "name";
  const std::string img = *dir_ / "img";
  for (const char* d : {"", "/usr", "/usr/bin", "/etc", "/etc/capset", "/etc/capset/policy.d"}) {
    ASSERT_EQ(::mkdir((img + d).c_str(), 0755), 0) << d;
  }
  const std::string file = dir_->MakeFile("img/usr/bin/" + name);
  auto bytes_of = [](const nlohmann::json& j) {
    std::string out;
    for (const auto& b : j) out += static_cast<char>(b.get<int>());
    return out;
  };
  auto parse = [](const CommandResult& r) {
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  };

  // set --json, then get --json
  CommandResult r = RunCommand({CapctlPath(), "set", "--json", "cap_net_raw=p", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = parse(r);
  ASSERT_TRUE(j.contains("results") || j.is_object()) << r.out;
  const std::string dump = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  EXPECT_NE(dump.find("path_bytes"), std::string::npos) << dump;
  EXPECT_NE(RawCapXattr(file), "");
  r = RunCommand({CapctlPath(), "get", "--json", file});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse(r);
  ASSERT_EQ(j["files"].size(), 1u) << r.out;
  EXPECT_EQ(bytes_of(j["files"][0]["path_bytes"]), file);
  EXPECT_EQ(j["files"][0]["path"], img + "/usr/bin/bad\ufffd\ufffdname");
  // A UTF-8 name has no _bytes.
  const std::string plain = dir_->MakeFile("img/usr/bin/plain");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", plain}).exit_code, 0);
  j = parse(RunCommand({CapctlPath(), "get", "--json", plain}));
  EXPECT_FALSE(j["files"][0].contains("path_bytes"));

  // audit --json
  ASSERT_EQ(::chmod(file.c_str(), 04755), 0);
  r = RunCommand({CapctlPath(), "audit", "--root", img, "--json"});
  j = parse(r);
  bool found = false;
  for (const auto& f : j["findings"]) {
    if (f.contains("path_bytes") && bytes_of(f["path_bytes"]) == file) found = true;
  }
  EXPECT_TRUE(found) << r.out;

  // policy check --json and apply --json with a policy file whose name is not UTF-8.
  std::ofstream(img + "/etc/capset/policy.d/" + name + ".yaml")
      << "files:\n  - path: /usr/bin/plain\n    caps: cap_net_raw=p\n";
  r = RunCommand({CapctlPath(), "policy", "check", "--root", img, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  parse(r);
  r = RunCommand({CapctlPath(), "policy", "apply", "--root", img, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  parse(r);
  // ...and below a root whose own name is not UTF-8.
  const std::string odd_root = *dir_ / name;
  ASSERT_EQ(::rename(img.c_str(), odd_root.c_str()), 0);
  r = RunCommand({CapctlPath(), "policy", "verify", "--root", odd_root, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  j = parse(r);
  ASSERT_EQ(j["entries"].size(), 1u) << r.out;
  EXPECT_EQ(bytes_of(j["entries"][0]["path_bytes"]), odd_root + "/usr/bin/plain");
}

// capctl set is all-or-nothing: it wrote the first file and then failed on the next (on
// ramfs); and on a chattr +i file it blamed a missing CAP_SETFCAP although root ran it.
TEST_F(RobustnessTest, SetChangesAllFilesOrNoneAndNamesTheRealCause) {
  ScratchDir ramfs(ScratchDir::Fs::kRamfs);
  if (!ramfs.skip_reason().empty()) GTEST_SKIP() << ramfs.skip_reason();
  const std::string first = dir_->MakeFile("first");
  const std::string on_ramfs = ramfs.MakeFile("second");
  CommandResult r = RunCommand({CapctlPath(), "set", "cap_net_raw=p", first, "cap_net_raw=p",
                                on_ramfs});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not support file capabilities"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(first), "") << "the first file was written before the second failed";

  ScratchDir ext4(ScratchDir::Fs::kExt4);
  if (!ext4.skip_reason().empty()) GTEST_SKIP() << ext4.skip_reason();
  const std::string immutable = ext4.MakeFile("immutable");
  const std::string append = ext4.MakeFile("append");
  ASSERT_EQ(RunCommand({"/usr/bin/chattr", "+i", immutable}).exit_code, 0);
  ASSERT_EQ(RunCommand({"/usr/bin/chattr", "+a", append}).exit_code, 0);
  r = RunCommand({CapctlPath(), "set", "cap_net_raw=p", immutable});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the file is immutable (chattr +i)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("CAP_SETFCAP"), std::string::npos) << r.err;
  r = RunCommand({CapctlPath(), "set", "cap_net_raw=p", append});
  EXPECT_NE(r.err.find("append-only (chattr +a)"), std::string::npos) << r.err;
  RunCommand({"/usr/bin/chattr", "-i", "-a", immutable});
  RunCommand({"/usr/bin/chattr", "-a", append});

  // Without CAP_SETFCAP, that is what it says, before anything is written.
  r = RunCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  CapctlPath(), "set", "cap_net_raw=p", first});
  EXPECT_NE(r.err.find("capctl needs CAP_SETFCAP"), std::string::npos) << r.err;
}

// capctl get -r on a deep tree: memory grew with the square of the depth (each pending
// directory kept its full path: 30,000 levels took 896 MB, getcap 10 MB) and the emitter
// recursed once per level (75,000 levels: SIGSEGV after 5.5 GB). 100,000 levels now, under a
// memory bound, with the capabilities found at every depth.
TEST_F(RobustnessTest, DeepTreesCostMemoryLinearInDepth) {
  constexpr int kDepth = 100000;
  const std::string top = *dir_ / "deep";
  ASSERT_EQ(::mkdir(top.c_str(), 0755), 0);
  Fd at(::open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  std::vector<int> with_caps = {10, kDepth / 2, kDepth - 1};
  const uint8_t v2[20] = {0, 0, 0, 2, 0, 0x20, 0, 0};  // cap_net_raw=p, revision 2
  for (int i = 0; i < kDepth; ++i) {
    ASSERT_EQ(::mkdirat(at.get(), "d", 0755), 0) << i;
    Fd next(::openat(at.get(), "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(next.valid()) << i;
    if (std::find(with_caps.begin(), with_caps.end(), i) != with_caps.end()) {
      Fd f(::openat(next.get(), "prog", O_WRONLY | O_CREAT | O_CLOEXEC, 0755));
      ASSERT_EQ(::fsetxattr(f.get(), "security.capability", v2, sizeof v2, 0), 0);
    }
    at = std::move(next);
  }
  CommandResult r = RunCommand({CapctlPath(), "get", "-r", top});
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  EXPECT_EQ(r.exit_code, 0) << r.err.substr(0, 500);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out.substr(0, 300);
  std::printf("capctl get -r, %d levels: peak RSS %ld MB\n", kDepth, usage.ru_maxrss / 1024);
  // 100,000 nodes of a few dozen bytes, and the longest path (200 KB), a few times over.
  const long limit_mb = CAPSET_TEST_SANITIZED ? 1024 : 256;
  EXPECT_LT(usage.ru_maxrss / 1024, limit_mb);
}

}  // namespace
}  // namespace capset::testing
