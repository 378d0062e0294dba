// SPDX-License-Identifier: LGPL-2.1-or-later
// The real login programs — util-linux su, runuser and login — with a PAM stack that holds
// pam_capset.so, each run in a private mount namespace where /etc/pam.d/<service>,
// /etc/passwd and /etc/group are bind-mounted copies (a throw-away user "capsetuser"): the
// machine's /etc is never changed. The child's /proc/self/status must show the rule.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "test_util.h"

namespace capset::testing {
namespace {

constexpr const char kUser[] = "capsetuser";
constexpr int kUid = 64242;

class LoginProgramsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (mount namespaces, su as root)";
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    if (::access("/usr/bin/unshare", X_OK) != 0) GTEST_SKIP() << "unshare(1) missing";
    Copy("/etc/passwd", dir_ / "passwd",
         std::string(kUser) + ":x:" + std::to_string(kUid) + ":" + std::to_string(kUid) +
             "::/:/bin/sh\n");
    Copy("/etc/group", dir_ / "group",
         "capsetgrp:x:" + std::to_string(kUid) + ":\ncapsetnet:x:64243:" + kUser + "\n");
    Write(dir_ / "capability.conf", "# test rules\n^cap_net_raw,!cap_sys_module @capsetnet\n");
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  static void Copy(const std::string& from, const std::string& to, const std::string& extra) {
    std::ifstream in(from);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Write(to, text + extra);
  }

  // Runs `command` in a private mount namespace whose /etc/pam.d/`service` is `stack`.
  CommandResult Run(const std::string& service, const std::string& stack,
                    const std::string& command) {
    Write(dir_ / service, stack);
    // In a sanitizer build the module needs the sanitizer runtimes loaded first; the login
    // programs are not built with them, so they are preloaded (leak checks of the module
    // are pam_module_test's job, not su's).
    const std::string preload = CAPSET_TEST_SANITIZER_PRELOAD;
    const std::string env =
        preload.empty() ? "" : "export LD_PRELOAD=" + preload + " ASAN_OPTIONS=detect_leaks=0; ";
    const std::string script =
        "set -e; mount --bind " + dir_ / "passwd" + " /etc/passwd; mount --bind " +
        dir_ / "group" + " /etc/group; mount --bind " + dir_ / service + " /etc/pam.d/" +
        service + "; " + env + command;
    return RunCommand({"/usr/bin/unshare", "-m", "/bin/sh", "-c", script});
  }

  std::string Stack(const std::string& auth_line, const std::string& session_line) {
    return auth_line + "\nauth sufficient pam_rootok.so\naccount required pam_permit.so\n" +
           session_line + "\nsession required pam_permit.so\n";
  }

  // A script the user's shell runs: its own Cap* lines, its uid, and every process of the
  // login that runs as the user — the script and each parent up to the login program
  // ("PROC pid comm" and its Cap* lines). Not every process of the uid: tests run in parallel.
  std::string ShowScript() const {
    const std::string path = dir_ / "show.sh";
    const std::string uid = std::to_string(kUid);
    Write(path,
          "#!/bin/sh\ngrep Cap /proc/self/status\nid -u\np=$$\n"
          "while [ \"$(awk '/^Uid:/ {print $2}' /proc/$p/status 2>/dev/null)\" = " +
              uid +
              " ]; do\n"
              "  echo \"PROC $p $(cat /proc/$p/comm)\"\n"
              "  grep -E '^Cap(Inh|Prm|Eff|Amb)' /proc/$p/status\n"
              "  p=$(awk '/^PPid:/ {print $2}' /proc/$p/status)\n"
              "done\nexit 0\n");
    ::chmod(path.c_str(), 0755);
    return path;
  }

  std::string Module() const {
    return std::string(CAPSET_TEST_PAM_MODULE) + " config=" + dir_ / "capability.conf" +
           " nopolicy";
  }

  // The Cap* lines of `status` as a map of name -> hex.
  static std::string Field(const std::string& status, const std::string& name) {
    const size_t at = status.find(name + ":\t");
    if (at == std::string::npos) return "";
    return status.substr(at + name.size() + 2, 16);
  }

  ScratchDir dir_;
};

constexpr const char kNetRaw[] = "0000000000002000";  // bit 13

void ExpectGranted(const CommandResult& r, const std::string& what) {
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err << r.out;
  const std::string bnd_before = [] {
    std::ifstream in("/proc/self/status");
    std::string line, out;
    while (std::getline(in, line)) {
      if (line.rfind("CapBnd:\t", 0) == 0) out = line.substr(8);
    }
    return out;
  }();
  EXPECT_NE(r.out.find(std::string("CapAmb:\t") + kNetRaw), std::string::npos) << what << r.out;
  EXPECT_NE(r.out.find(std::string("CapInh:\t") + kNetRaw), std::string::npos) << what << r.out;
  EXPECT_NE(r.out.find(std::string("CapEff:\t") + kNetRaw), std::string::npos) << what << r.out;
  // !cap_sys_module: bit 16 is gone from the bounding set.
  const size_t at = r.out.find("CapBnd:\t");
  ASSERT_NE(at, std::string::npos) << r.out;
  const unsigned long long bnd = std::stoull(r.out.substr(at + 8, 16), nullptr, 16);
  EXPECT_EQ(bnd & (1ULL << 16), 0u) << what << r.out;
  EXPECT_EQ(bnd | (1ULL << 16), std::stoull(bnd_before, nullptr, 16) | (1ULL << 16)) << r.out;
}

// Issue 11: no process of the login holds more than the user's grant in any set.
void ExpectNothingBeyondTheGrant(const std::string& out, const std::string& what) {
  int processes = 0;
  std::istringstream in(out);
  std::string line, proc;
  while (std::getline(in, line)) {
    if (line.rfind("PROC ", 0) == 0) {
      proc = line, ++processes;
      continue;
    }
    if (proc.empty() || line.rfind("Cap", 0) != 0) continue;
    const unsigned long long set = std::stoull(line.substr(line.find('\t') + 1), nullptr, 16);
    EXPECT_EQ(set & ~(1ULL << 13), 0u) << what << ": " << proc << ": " << line;
  }
  EXPECT_GE(processes, 1) << what << ": no process of the user was seen\n" << out;
  std::printf("%s: %d process(es) of the login checked\n", what.c_str(), processes);
}

void ExpectInheritableOnly(const CommandResult& r, const std::string& what) {
  ASSERT_EQ(r.exit_code, 0) << what << ": " << r.err << r.out;
  EXPECT_NE(r.out.find(std::string("CapInh:\t") + kNetRaw), std::string::npos) << what << r.out;
  for (const char* set : {"CapPrm", "CapEff", "CapAmb"}) {
    EXPECT_NE(r.out.find(std::string(set) + ":\t0000000000000000"), std::string::npos)
        << what << ": " << set << "\n"
        << r.out;
  }
  ExpectNothingBeyondTheGrant(r.out, what);
}

// The session line as pam-auth-update's profile installs it (no arguments): the inheritable
// set and the bounding-set drops, no ambient set, and never root's permitted set.
TEST_F(LoginProgramsTest, SessionHookGivesTheInheritableSetAndNothingElse) {
  const std::string show = ShowScript();
  ExpectInheritableOnly(Run("su", Stack("", "session optional " + Module()),
                            std::string("su ") + kUser + " -c " + show),
                        "su");
  ExpectInheritableOnly(Run("runuser", Stack("", "session optional " + Module()),
                            std::string("runuser -u ") + kUser + " -- " + show),
                        "runuser");
}

TEST_F(LoginProgramsTest, SuWithKeepcapsDeliversAmbientAndNarrowsTheRest) {
  CommandResult r = Run("su", Stack("", "session optional " + Module() + " keepcaps"),
                        std::string("su ") + kUser + " -c " + ShowScript());
  ExpectGranted(r, "su");
  EXPECT_NE(r.out.find(std::to_string(kUid)), std::string::npos) << r.out;
  EXPECT_EQ(Field(r.out, "CapPrm"), kNetRaw) << r.out;
  ExpectNothingBeyondTheGrant(r.out, "su keepcaps");
}

TEST_F(LoginProgramsTest, RunuserWithKeepcapsDeliversAmbient) {
  CommandResult r = Run("runuser", Stack("", "session optional " + Module() + " keepcaps"),
                        std::string("runuser -u ") + kUser + " -- " + ShowScript());
  ExpectGranted(r, "runuser");
  EXPECT_EQ(Field(r.out, "CapPrm"), kNetRaw) << r.out;
  ExpectNothingBeyondTheGrant(r.out, "runuser keepcaps");
}

TEST_F(LoginProgramsTest, LoginWithKeepcapsDeliversAmbient) {
  if (::access("/usr/bin/script", X_OK) != 0) GTEST_SKIP() << "script(1) missing";
  // login wants a terminal: script(1) gives it one; the shell reads the commands.
  CommandResult r = Run(
      "login", Stack("", "session optional " + Module() + " keepcaps"),
      "printf '" + ShowScript() + "; exit\\n' | script -qec 'login -f " + kUser + "' /dev/null");
  ExpectGranted(r, "login");
  EXPECT_EQ(Field(r.out, "CapPrm"), kNetRaw) << r.out;
  ExpectNothingBeyondTheGrant(r.out, "login keepcaps");
}

TEST_F(LoginProgramsTest, SuWithAuthLineOnlyKeepsInheritableButNotAmbient) {
  // What pam_cap's users see: applied in su's parent before setuid(), the ambient set is
  // cleared by the kernel on the change of user; only the inheritable set survives.
  CommandResult r = Run("su", Stack("auth optional " + Module(), ""),
                        std::string("su ") + kUser + " -c 'grep Cap /proc/self/status'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Field(r.out, "CapInh"), kNetRaw) << r.out;
  EXPECT_EQ(Field(r.out, "CapAmb"), "0000000000000000") << r.out;
  // ...and `keepcaps defer` on the auth line is pam_cap's way to get there.
  r = Run("su", Stack("auth optional " + Module() + " keepcaps defer", ""),
          std::string("su ") + kUser + " -c 'grep Cap /proc/self/status'");
  ExpectGranted(r, "su keepcaps defer");
}

TEST_F(LoginProgramsTest, UserWithoutRuleGetsNothing) {
  Write(dir_ / "capability.conf", "^cap_net_raw someone_else\n");
  CommandResult r = Run("su", Stack("", "session optional " + Module()),
                        std::string("su ") + kUser + " -c 'grep Cap /proc/self/status'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Field(r.out, "CapInh"), "0000000000000000") << r.out;
  EXPECT_EQ(Field(r.out, "CapAmb"), "0000000000000000") << r.out;
  EXPECT_EQ(Field(r.out, "CapEff"), "0000000000000000") << r.out;
}

TEST_F(LoginProgramsTest, BrokenConfigFailsTheSession) {
  Write(dir_ / "capability.conf", "^cap_net_raw @capsetnet\ncap_bogus someone\n");
  CommandResult r = Run("su", Stack("", "session required " + Module()),
                        std::string("su ") + kUser + " -c 'grep Cap /proc/self/status'");
  EXPECT_NE(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("CapAmb:\t" + std::string(kNetRaw)), std::string::npos) << r.out;
}

}  // namespace
}  // namespace capset::testing
