// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl profile on real programs, traced by its real eBPF program (root; skipped with the
// reason where the kernel cannot be traced): each finds exactly what the program needs, the
// noise of exec/mmap/brk is filtered, an optional privilege is minimized away, capabilities
// only asked for in capset(2) are reported as such, and the written policy is lint-clean.
// The false positives and negatives over all of them are counted and printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_util.h"

namespace capset::testing {
namespace {

using nlohmann::json;

constexpr const char kPython[] = "/usr/bin/python3";

struct Profiled {
  int exit_code = -1;
  json doc;
  std::string err;
};

class ProfileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "capctl profile needs root (it loads eBPF)";
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) GTEST_SKIP() << "this kernel has no BTF";
    if (::access(kPython, X_OK) != 0) GTEST_SKIP() << "no python3 to build test programs from";
    CommandResult probe = RunCommand({CapctlPath(), "profile", "--no-verify", "--", "/bin/true"});
    if (probe.exit_code != 0 && probe.err.find("eBPF") != std::string::npos) {
      GTEST_SKIP() << "the profiler cannot trace here: " << probe.err;
    }
  }

  Profiled Profile(const std::vector<std::string>& command, const std::string& user = "nobody",
                   const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {CapctlPath(), "profile", "--json", "--timeout", "20"};
    if (!user.empty()) {
      argv.push_back("--user");
      argv.push_back(user);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    CommandResult r = RunCommand(argv);
    Profiled p;
    p.exit_code = r.exit_code;
    p.err = r.err;
    p.doc = json::parse(r.out, nullptr, false);
    return p;
  }

  static std::set<std::string> Set(const json& a) {
    std::set<std::string> out;
    if (a.is_array()) {
      for (const auto& x : a) out.insert(x.get<std::string>());
    }
    return out;
  }

  // Compares what was found with what the program needs, and counts the differences.
  void Expect(const std::string& what, const Profiled& p, const std::set<std::string>& needed) {
    ASSERT_FALSE(p.doc.is_discarded()) << what << ": no JSON; stderr: " << p.err;
    const std::set<std::string> got = Set(p.doc["needed"]);
    for (const auto& c : got) {
      if (!needed.count(c)) ++false_positives_;
    }
    for (const auto& c : needed) {
      if (!got.count(c)) ++false_negatives_;
    }
    ++programs_;
    EXPECT_EQ(got, needed) << what << ":\n" << p.doc.dump(2);
    EXPECT_TRUE(p.doc["verified"].get<bool>()) << what;
    EXPECT_EQ(p.exit_code, 0) << what << ": " << p.err;
    EXPECT_EQ(p.doc["lost_checks"].get<int>(), 0) << what;
  }

  static void TearDownTestSuite() {
    if (programs_) {
      std::printf("profiled %d programs: %d false positives, %d false negatives\n", programs_,
                  false_positives_, false_negatives_);
    }
  }

  static int programs_, false_positives_, false_negatives_;
};
int ProfileTest::programs_ = 0;
int ProfileTest::false_positives_ = 0;
int ProfileTest::false_negatives_ = 0;

TEST_F(ProfileTest, ARawSocketNeedsExactlyNetRaw) {
  Profiled p = Profile({kPython, "-c",
                        "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, "
                        "socket.IPPROTO_ICMP)"});
  Expect("raw socket as nobody", p, {"cap_net_raw"});
  // Without it the program fails: the proof says so.
  bool saw_failure = false;
  for (const auto& t : p.doc["trials"]) {
    if (t["without"] == "cap_net_raw") saw_failure = !t["succeeded"].get<bool>();
  }
  EXPECT_TRUE(saw_failure) << p.doc["trials"].dump(2);
  // =ep: python does not raise its own effective set.
  EXPECT_NE(p.doc["policy"].get<std::string>().find("cap_net_raw=ep"), std::string::npos);
}

TEST_F(ProfileTest, AWebServerOnPort80NeedsNetBindService) {
  // The real http.server, killed by the timeout when it serves (exit 137 in every run that
  // could bind); without the capability it fails at once with exit 1.
  std::vector<std::string> argv = {CapctlPath(),  "profile", "--json",    "--timeout", "2",
                                   "--user",      "nobody",  "--",        kPython,     "-m",
                                   "http.server", "--bind",  "127.0.0.1", "80"};
  CommandResult r = RunCommand(argv);
  Profiled p{r.exit_code, json::parse(r.out, nullptr, false), r.err};
  Expect("python3 -m http.server 80 as nobody", p, {"cap_net_bind_service"});
}

TEST_F(ProfileTest, ChowningAnotherUsersFileNeedsChown) {
  ScratchDir dir;
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  const std::string file = dir.path() + "/file";
  std::ofstream(file) << "x";
  ::chmod(dir.path().c_str(), 0755);
  Profiled p = Profile({"/bin/chown", "1234", file});
  Expect("chown of root's file as nobody", p, {"cap_chown"});
}

TEST_F(ProfileTest, ExecMmapAndBrkAreNoise) {
  // Execs, maps and grows memory a lot: every CAP_SYS_ADMIN check is the kernel's memory
  // accounting, which needs nothing.
  Profiled p = Profile({kPython, "-c",
                        "import mmap\nx=[bytearray(1<<20) for _ in range(64)]\n"
                        "m=[mmap.mmap(-1, 1<<16) for _ in range(64)]"});
  Expect("exec/mmap/brk as nobody", p, {});
  bool noise = false;
  for (const auto& c : p.doc["capabilities"]) {
    if (c["capability"] == "cap_sys_admin") noise = c["noise"].get<int>() > 0;
  }
  EXPECT_TRUE(noise) << "the noise checks were not seen at all:\n" << p.doc.dump(2);
  EXPECT_EQ(p.doc["policy"].get<std::string>(), "");
}

TEST_F(ProfileTest, AnOptionalStepIsMinimizedAway) {
  // Tries to raise its priority, ignores the failure: CAP_SYS_NICE is checked and granted in
  // the permissive run, but the program ends the same without it.
  Profiled p =
      Profile({kPython, "-c", "import os\ntry:\n    os.nice(-5)\nexcept OSError:\n    pass\n"});
  Expect("an optional os.nice(-5) as nobody", p, {});
  // (Looking up its own modules as nobody may make python ask for CAP_DAC_READ_SEARCH too,
  // optional as well.)
  EXPECT_TRUE(Set(p.doc["optional"]).count("cap_sys_nice")) << p.doc.dump(2);
}

TEST_F(ProfileTest, CapabilitiesOnlyAskedForAreRequestedOnly) {
  // Keeps CAP_CHOWN and CAP_AUDIT_WRITE with capset(2), as proftpd's mod_cap does, and
  // never uses them: the kernel never checks them, yet the capset(2) call, and so the
  // program, fails without them. Requested only, and needed.
  const std::string program =
      "import ctypes\n"
      "libc = ctypes.CDLL(None, use_errno=True)\n"
      "class H(ctypes.Structure): _fields_ = [('v', ctypes.c_uint32), ('p', ctypes.c_int)]\n"
      "class D(ctypes.Structure): _fields_ = [('e', ctypes.c_uint32), ('p', ctypes.c_uint32), "
      "('i', ctypes.c_uint32)]\n"
      "h = H(0x20080522, 0)\n"
      "d = (D * 2)()\n"
      "d[0].p = (1 << 0) | (1 << 29)\n"
      "assert libc.capset(ctypes.byref(h), d) == 0, ctypes.get_errno()\n";
  Profiled p = Profile({kPython, "-c", program});
  Expect("capset(2) keeping chown and audit_write as nobody", p, {"cap_audit_write", "cap_chown"});
  EXPECT_EQ(Set(p.doc["requested_only"]), (std::set<std::string>{"cap_audit_write", "cap_chown"}))
      << p.doc.dump(2);
}

TEST_F(ProfileTest, ThePolicyIsLintClean) {
  ScratchDir dir;
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  const std::string out = dir.path() + "/raw.yaml";
  CommandResult r =
      RunCommand({CapctlPath(), "profile", "--user", "nobody", "--output", out, "--", kPython, "-c",
                  "import socket; socket.socket(socket.AF_INET, "
                  "socket.SOCK_RAW, socket.IPPROTO_ICMP)"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("needed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Proof"), std::string::npos) << r.out;
  CommandResult check = RunCommand({CapctlPath(), "policy", "check", out});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// --pid: a running process (as nobody, holding CAP_NET_RAW in its ambient set) opens a raw
// socket while it is watched; nothing is run again, so it is unverified, and says so.
TEST_F(ProfileTest, ARunningProcessIsWatched) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl("/usr/bin/setpriv", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
          "--inh-caps=+net_raw", "--ambient-caps=+net_raw", kPython, "-c",
          "import socket, time\ntime.sleep(1.5)\n"
          "socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\ntime.sleep(30)\n",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  ::usleep(300 * 1000);  // setpriv has exec'ed python by now
  CommandResult r = RunCommand(
      {CapctlPath(), "profile", "--json", "--duration", "4", "--pid", std::to_string(child)});
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  Profiled p{r.exit_code, json::parse(r.out, nullptr, false), r.err};
  ASSERT_FALSE(p.doc.is_discarded()) << r.err;
  EXPECT_EQ(p.exit_code, 0) << r.err;
  EXPECT_EQ(Set(p.doc["needed"]), std::set<std::string>{"cap_net_raw"}) << p.doc.dump(2);
  EXPECT_FALSE(p.doc["verified"].get<bool>());
  EXPECT_NE(p.doc["policy"].get<std::string>().find("not verified"), std::string::npos);
  // A process that is not there.
  EXPECT_EQ(RunCommand({CapctlPath(), "profile", "--pid", "4194000"}).exit_code, 1);
  EXPECT_EQ(RunCommand({CapctlPath(), "profile", "--pid", "1", "--", "/bin/true"}).exit_code, 2);
}

// What the command leaves behind is killed: a daemon that forks away (and leaves the process
// group) does not keep every capability after capctl is done; a command that cannot be run
// is an error that says why, not a program that "needs nothing".
TEST_F(ProfileTest, NothingOutlivesTheProfileAndAMissingCommandIsAnError) {
  CommandResult r = RunCommand({CapctlPath(), "profile", "--no-verify", "--user", "nobody", "--",
                                "/bin/sh", "-c", "setsid sleep 3131 & exit 0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ::usleep(200 * 1000);
  CommandResult left = RunCommand({"/usr/bin/pgrep", "-f", "sleep 3131"});
  EXPECT_NE(left.exit_code, 0) << "still running: " << left.out;
  CommandResult missing =
      RunCommand({CapctlPath(), "profile", "--", "/no/such/program-for-capctl"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("No such file or directory"), std::string::npos) << missing.err;
  EXPECT_EQ(missing.out.find("No capability was needed"), std::string::npos) << missing.out;
}

TEST_F(ProfileTest, WhatATemplateRestrictsIsRecordedToo) {
  ScratchDir dir;
  ASSERT_TRUE(dir.skip_reason().empty()) << dir.skip_reason();
  const std::string out = dir / "written";
  Profiled p = Profile({kPython, "-c",
                        "import socket, os; socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0);"
                        "socket.socket(socket.AF_INET6, socket.SOCK_DGRAM);"
                        "open('" + out + "', 'w').write('x'); os.mkdir('" + out + ".d')"},
                       "", {"--no-verify"});
  ASSERT_FALSE(p.doc.is_discarded()) << p.err;
  const json& sandbox = p.doc["sandbox"];
  const std::set<std::string> families = Set(sandbox["address_families"]);
  EXPECT_TRUE(families.count("AF_NETLINK")) << sandbox.dump(2);
  EXPECT_TRUE(families.count("AF_INET6")) << sandbox.dump(2);
  EXPECT_TRUE(Set(sandbox["syscalls"]).count("mkdir")) << sandbox.dump(2);
  std::map<std::string, std::string> written;
  for (const auto& w : sandbox["written"]) written[w["path"]] = w["use"];
  EXPECT_EQ(written[out], "write-or-create") << sandbox.dump(2);
  EXPECT_EQ(written[out + ".d"], "create") << sandbox.dump(2);
}

TEST_F(ProfileTest, MergeMakesOnePolicyOfSeveralRuns) {
  ScratchDir dir;
  ASSERT_TRUE(dir.skip_reason().empty()) << dir.skip_reason();
  // One program, two runs that need different capabilities (a raw socket; a chown).
  const std::string prog = dir / "tool.py";
  std::ofstream(prog) << "import os, socket, sys\n"
                         "if sys.argv[1] == 'raw':\n"
                         "    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)\n"
                         "else:\n"
                         "    os.chown(sys.argv[2], 0, 0)\n";
  // nobody's file, given away to root: CAP_CHOWN (and, once it is root's, still CAP_CHOWN
  // for the later runs, nobody being no longer its owner).
  const std::string target = dir / "target";
  std::ofstream(target) << "";
  ASSERT_EQ(::chown(target.c_str(), 65534, 65534), 0);
  std::vector<std::string> docs;
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{kPython, prog, "raw"},
                                             {kPython, prog, "chown", target}}) {
    CommandResult r = RunCommand([&] {
      std::vector<std::string> argv = {CapctlPath(), "profile", "--json", "--user", "nobody",
                                       "--"};
      argv.insert(argv.end(), args.begin(), args.end());
      return argv;
    }());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    docs.push_back(dir / ("run" + std::to_string(docs.size()) + ".json"));
    std::ofstream(docs.back()) << r.out;
  }
  CommandResult merged =
      RunCommand({CapctlPath(), "profile", "merge", docs[0], docs[1]});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_NE(merged.out.find("cap_net_raw"), std::string::npos) << merged.out;
  EXPECT_NE(merged.out.find("# From " + docs[0]), std::string::npos) << merged.out;
  EXPECT_NE(merged.out.find("# From " + docs[1]), std::string::npos) << merged.out;
  // One entry for the program (both runs were python's), with the union of both.
  EXPECT_EQ(merged.out.find("\nfiles:\n"), merged.out.rfind("\nfiles:\n")) << merged.out;
  EXPECT_EQ(merged.out.find("  - path: "), merged.out.rfind("  - path: ")) << merged.out;
  EXPECT_NE(merged.out.find("cap_chown,cap_net_raw=ep"), std::string::npos) << merged.out;
  // The merged policy is one capset reads without a word.
  const std::string policy = dir / "merged.yaml";
  ASSERT_EQ(RunCommand({CapctlPath(), "profile", "merge", "--output", policy, docs[0], docs[1]})
                .exit_code,
            0);
  CommandResult check = RunCommand({CapctlPath(), "policy", "check", policy});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(check.err, "");
  // Bad input: a file that is not a profile, and one that is missing, say which and why.
  const std::string bad = dir / "bad.json";
  std::ofstream(bad) << "{\"version\": 1, \"program\": \"/p\", \"needed\": [\"cap_bogus\"]}";
  CommandResult r = RunCommand({CapctlPath(), "profile", "merge", docs[0], bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(bad + ": 'needed': expected capability names"), std::string::npos)
      << r.err;
  r = RunCommand({CapctlPath(), "profile", "merge", dir / "missing.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("missing.json"), std::string::npos) << r.err;
  EXPECT_EQ(RunCommand({CapctlPath(), "profile", "merge"}).exit_code, 2);
}

TEST_F(ProfileTest, UnitUsageErrors) {
  for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
           {"--unit", "web.socket"},
           {"--unit", "../x.service"},
           {"--unit", "a.service", "--pid", "1"},
           {"--unit", "a.service", "--", "/bin/true"},
           {"--unit", "a.service", "--timeout", "3"},
           {"--pid", "1", "--user", "nobody"},
           {"--duration", "3", "--", "/bin/true"}}) {
    std::vector<std::string> full = {CapctlPath(), "profile"};
    full.insert(full.end(), argv.begin(), argv.end());
    CommandResult r = RunCommand(full);
    EXPECT_EQ(r.exit_code, 2) << argv[0] << " " << argv[1] << ": " << r.err;
    EXPECT_NE(r.err.find("capctl: "), std::string::npos) << r.err;
  }
  // No systemd here (or no such unit): an error that says so, and nothing was changed.
  CommandResult r = RunCommand({CapctlPath(), "profile", "--unit",
                                "capset-no-such-unit-here.service", "--duration", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.find("systemd") != std::string::npos ||
              r.err.find("not-found") != std::string::npos)
      << r.err;
  struct stat st {};
  EXPECT_NE(::stat("/run/systemd/system/capset-no-such-unit-here.service.d", &st), 0);
}

TEST_F(ProfileTest, UsageErrorsAndNonRoot) {
  EXPECT_EQ(RunCommand({CapctlPath(), "profile"}).exit_code, 2);
  EXPECT_EQ(RunCommand({CapctlPath(), "profile", "--user", "no-such-user-here", "--", "/bin/true"})
                .exit_code,
            2);
  // Not root: a clear error, nothing traced.
  CommandResult r = RunCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                "--clear-groups", CapctlPath(), "profile", "--", "/bin/true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("needs root"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace capset::testing
