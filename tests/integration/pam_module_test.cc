// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_capset.so through a real libpam stack (pam_start_confdir + tests/integration/
// pam_harness.c), differentially against libcap's pam_cap.so, plus the cases where capset
// deliberately fails closed. Each case runs in its own process (capabilities are per process).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace capset::testing {
namespace {

constexpr const char kPamCap[] = "/lib/x86_64-linux-gnu/security/pam_cap.so";

class PamModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!dir_.skip_reason().empty()) GTEST_SKIP() << dir_.skip_reason();
    conf_ = dir_ / "capability.conf";
  }
  void Service(const std::string& name, const std::string& module, const std::string& args) {
    std::ofstream(dir_ / name) << "auth required " << module << " " << args << "\n";
  }
  void Conf(const std::string& text) {
    std::ofstream(conf_) << text;
    ::chmod(conf_.c_str(), 0644);
  }
  std::string Harness(const std::string& service, const std::string& user, bool silent = false) {
    std::vector<std::string> argv = {CAPSET_TEST_PAM_HARNESS, dir_.path(), service, user};
    if (silent) argv.push_back("end-silent");
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
  ScratchDir dir_;
  std::string conf_;
};

TEST(PamExportsTest, OnlyPamEntryPointsAreExported) {
  CommandResult r = RunCommand({"/usr/bin/nm", "-D", "--defined-only", CAPSET_TEST_PAM_MODULE});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream in(r.out);
  std::vector<std::string> names;
  for (std::string addr, type, name; in >> addr >> type >> name;) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"pam_sm_authenticate", "pam_sm_close_session",
                                             "pam_sm_open_session", "pam_sm_setcred"}));
}

// Issue 17: the module is loaded into su, login and sshd, C programs that map neither
// libstdc++ nor libyaml; where the build carries them inside the module, it must not ask the
// loader for them (each library mapped was a few per cent of a cold login).
TEST(PamExportsTest, NeedsNoLibraryItCarries) {
  CommandResult r = RunCommand({"/usr/bin/readelf", "-d", CAPSET_TEST_PAM_MODULE});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> needed;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const size_t open = line.find("(NEEDED)");
    const size_t lb = line.find('['), rb = line.rfind(']');
    if (open != std::string::npos && lb != std::string::npos && rb > lb) {
      needed.push_back(line.substr(lb + 1, rb - lb - 1));
    }
  }
  ASSERT_FALSE(needed.empty()) << r.out;
  auto needs = [&](const std::string& prefix) {
    return std::any_of(needed.begin(), needed.end(),
                       [&](const std::string& n) { return n.rfind(prefix, 0) == 0; });
  };
  EXPECT_TRUE(needs("libpam.so") && needs("libcap.so")) << r.out;
  if (CAPSET_TEST_PAM_CARRIES_CXX_RUNTIME) {
    EXPECT_FALSE(needs("libstdc++.so")) << r.out;
    EXPECT_FALSE(needs("libgcc_s.so")) << r.out;
  }
  if (CAPSET_TEST_PAM_CARRIES_YAML) {
    EXPECT_FALSE(needs("libyaml")) << r.out;
  }
}

TEST_F(PamModuleTest, DifferentialAgainstLibcapPamCap) {
  if (::access(kPamCap, R_OK) != 0) GTEST_SKIP() << kPamCap << " missing (package libpam-cap)";
  const std::vector<std::string> pool = {"^cap_net_raw root",
                                         "cap_chown,cap_kill @daemon",
                                         "!cap_sys_module @nogroup",
                                         "all bin",
                                         "none *",
                                         "^cap_net_bind_service daemon sys",
                                         "cap_setuid nosuchuser",
                                         "!cap_net_admin,^cap_net_raw *",
                                         "%cap_sys_time @root",
                                         "cap_net_raw,!cap_chown @sys",
                                         "none nobody",
                                         "^cap_kill,^cap_chown @bin root",
                                         "# a comment line",
                                         "cap_fowner   @daemon   @sys",
                                         "all *"};
  const std::vector<std::string> users = {"root", "nobody", "daemon", "bin", "sys"};
  Service("capset", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy");
  Service("pamcap", kPamCap, "config=" + conf_);
  Service("capset-defer", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy defer");
  Service("pamcap-defer", kPamCap, "config=" + conf_ + " defer");
  std::mt19937 rng(4);
  int cases = 0, pam_cap_defer_denied = 0;
  for (int c = 0; c < SubprocessRepeats(40); ++c) {
    std::string text;
    const int lines = 1 + static_cast<int>(rng() % 5);
    for (int l = 0; l < lines; ++l) text += pool[rng() % pool.size()] + "\n";
    Conf(text);
    for (const auto& user : users) {
      SCOPED_TRACE("config:\n" + text + "user: " + user);
      const std::string plain = Harness("pamcap", user);
      EXPECT_EQ(Harness("capset", user), plain);
      // libcap 2.66's pam_cap returns PAM_PERM_DENIED from setcred whenever it defers an IAB
      // (and then applies it at pam_end anyway), which fails a "required" stack. capset
      // returns PAM_SUCCESS. Everything else, the resulting IAB included, must agree.
      std::string ref = Harness("pamcap-defer", user, true);
      // (When no rule matches, libpam itself says PAM_PERM_DENIED: every module ignored.)
      if (ref.find("setcred=PERM_DENIED") != std::string::npos &&
          plain.find("setcred=SUCCESS") != std::string::npos) {
        ref = ReplaceAll(ref, "setcred=PERM_DENIED", "setcred=SUCCESS");
        ++pam_cap_defer_denied;
      }
      EXPECT_EQ(Harness("capset-defer", user, true), ref);
      ++cases;
    }
  }
  std::printf(
      "pam differential: %d config x user cases, each plain and deferred; pam_cap "
      "reported PAM_PERM_DENIED for %d successful deferrals\n",
      cases, pam_cap_defer_denied);
}

TEST_F(PamModuleTest, DebugLogsTheDecisionAndErrorsNameFileAndLine) {
  Conf("# rules\ncap_chown alice\n^cap_net_raw @root\n");
  Service("dbg", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy debug");
  Service("quiet", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy");
  auto run = [&](const std::string& service, const std::string& user) {
    return RunCommand({CAPSET_TEST_PAM_HARNESS, dir_.path(), service, user});
  };
  CommandResult r = run("dbg", "root");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("user 'root': " + conf_ + ":3:1 matches as '@root': ^cap_net_raw"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("using the decision made at authentication"), std::string::npos) << r.err;
  EXPECT_EQ(run("quiet", "root").err.find("matches as"), std::string::npos);
  r = run("dbg", "nobody");
  EXPECT_NE(r.err.find("user 'nobody': no rule matches"), std::string::npos) << r.err;

  Conf("cap_chown alice\n^cap_net_rawx root\n");
  r = run("quiet", "root");
  EXPECT_NE(r.out.find("auth=AUTHINFO_UNAVAIL"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find(conf_ + ":2:1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cap_net_rawx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("granting nothing"), std::string::npos) << r.err;
}

// SECURITY: the user name is what a client typed (sshd hands PAM an invalid user's name too):
// a newline, a carriage return or an escape sequence in it reaches the auth log escaped, as
// one line, so it can neither forge a line nor hide one.
TEST_F(PamModuleTest, AUserNameCannotForgeALineOfTheLog) {
  Conf("^cap_net_raw root\n");
  Service("dbg", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy debug");
  const std::string user = "x\npam_capset(sshd:auth): user 'root': granted\r\x1b[2Jz\\";
  CommandResult r = RunCommand({CAPSET_TEST_PAM_HARNESS, dir_.path(), "dbg", user});
  EXPECT_NE(r.err.find("user 'x\\npam_capset(sshd:auth): user 'root': granted\\r\\x1b[2Jz\\\\'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  std::istringstream lines(r.err);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_NE(line.rfind("pam_capset(sshd", 0), 0u) << "a forged line: " << line;
  }
}

TEST_F(PamModuleTest, DeferAppliesOnlyAtSilentPamEnd) {
  Conf("^cap_net_raw root\n");
  Service("s", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy defer");
  EXPECT_EQ(Harness("s", "root").find("^cap_net_raw"), std::string::npos);
  EXPECT_NE(Harness("s", "root", true).find("^cap_net_raw"), std::string::npos);
}

TEST_F(PamModuleTest, DefaultAppliesWhenNoRuleMatches) {
  Conf("cap_chown someone-else\n");
  Service("s", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy default=^cap_kill");
  EXPECT_NE(Harness("s", "root").find("setcred=SUCCESS iab=^cap_kill"), std::string::npos)
      << Harness("s", "root");
}

TEST_F(PamModuleTest, YamlUsersSection) {
  std::filesystem::create_directories(dir_ / "root/etc/capset/policy.d");
  std::ofstream(dir_ / "root/etc/capset/policy.d/u.yaml")
      << "users:\n  - match: \"@root\"\n    ambient: [cap_net_raw]\n";
  Service("s", CAPSET_TEST_PAM_MODULE,
          "config=" + dir_ / "none.conf" + " policy_root=" + dir_ / "root");
  EXPECT_NE(Harness("s", "root").find("setcred=SUCCESS iab=^cap_net_raw"), std::string::npos)
      << Harness("s", "root");
}

// Deliberate differences from pam_cap: capset fails closed.
TEST_F(PamModuleTest, FailsClosedWhereLibcapPamCapDoesNot) {
  Service("capset", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy");
  Service("pamcap", kPamCap, "config=" + conf_);
  // 1. A malformed line anywhere: pam_cap applies the matching good line; capset grants
  //    nothing and reports an error.
  Conf("cap_bogus nobody\n^cap_net_raw root\n");
  EXPECT_EQ(Harness("capset", "root"),
            "auth=AUTHINFO_UNAVAIL setcred=AUTHINFO_UNAVAIL iab=" +
                Harness("capset", "nobody").substr(Harness("capset", "nobody").find("iab=") + 4));
  EXPECT_EQ(Harness("capset", "root").find("^cap_net_raw"), std::string::npos);
  if (::access(kPamCap, R_OK) == 0) {
    EXPECT_NE(Harness("pamcap", "root").find("^cap_net_raw"), std::string::npos);
  }
  // 2. A capability.conf anyone can write is refused.
  Conf("^cap_net_raw root\n");
  ::chmod(conf_.c_str(), 0666);
  EXPECT_EQ(Harness("capset", "root").rfind("auth=AUTHINFO_UNAVAIL setcred=AUTHINFO_UNAVAIL", 0),
            0u);
  // 3. An unknown user is an error, not "no rule".
  Conf("none *\n");
  EXPECT_EQ(Harness("capset", "no-such-user-capset").rfind("auth=USER_UNKNOWN", 0), 0u)
      << Harness("capset", "no-such-user-capset");
  // 4. An unknown module argument (a typo) is an error.
  Service("typo", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " kepcaps");
  EXPECT_EQ(Harness("typo", "root").rfind("auth=SERVICE_ERR setcred=SERVICE_ERR", 0), 0u);
}

// Issue 11: the trust rule (owner, mode, POSIX ACLs, every directory above) for
// capability.conf and for policy files, and NUL bytes, which made pam_capset grant
// "cap_net_raw,cap_sys_admin" where pam_cap grants nothing.
TEST_F(PamModuleTest, UntrustedOrBrokenFilesGrantNothing) {
  Service("capset", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy");
  Service("pamcap", kPamCap, "config=" + conf_);
  auto refused = [&](const std::string& user) {
    const std::string out = Harness("capset", user);
    EXPECT_EQ(out.rfind("auth=AUTHINFO_UNAVAIL setcred=AUTHINFO_UNAVAIL", 0), 0u) << out;
    EXPECT_EQ(out.find("cap_net_raw"), std::string::npos) << out;
    EXPECT_EQ(out.find("cap_sys_admin"), std::string::npos) << out;
  };
  // A root-owned 0644 file with an ACL letting uid 4242 write it.
  Conf("^cap_net_raw root\n");
  ASSERT_EQ(std::system(("setfacl -m u:4242:rw " + conf_).c_str()), 0);
  refused("root");
  // The same ACL on the directory instead: 4242 could replace the file.
  Conf("^cap_net_raw root\n");
  ASSERT_EQ(
      std::system(("setfacl -b " + conf_ + " && setfacl -m u:4242:rwx " + dir_.path()).c_str()), 0);
  refused("root");
  ASSERT_EQ(std::system(("setfacl -b " + dir_.path()).c_str()), 0);
  EXPECT_NE(Harness("capset", "root").find("^cap_net_raw"), std::string::npos);

  // NUL bytes: pam_cap stops reading the line there and grants nothing to daemon.
  Conf(std::string("cap_net_raw,cap_sys_admin\0 daemon\n", 34));
  refused("daemon");
  if (::access(kPamCap, R_OK) == 0) {
    const std::string ref = Harness("pamcap", "daemon");
    EXPECT_EQ(ref.find("cap_sys_admin"), std::string::npos) << ref;
  }
  Conf(std::string("\0^cap_net_raw daemon\n", 21));
  refused("daemon");

  // A FIFO named capability.conf: refused at once, not a login blocked in open(2).
  ::unlink(conf_.c_str());
  ASSERT_EQ(::mkfifo(conf_.c_str(), 0644), 0);
  CommandResult r = RunCommand(
      {"/usr/bin/timeout", "10", CAPSET_TEST_PAM_HARNESS, dir_.path(), "capset", "root"});
  EXPECT_EQ(r.exit_code, 0) << "blocked on the FIFO";
  EXPECT_EQ(r.out.rfind("auth=AUTHINFO_UNAVAIL", 0), 0u) << r.out;
  EXPECT_NE(r.err.find("a FIFO, not a regular file"), std::string::npos) << r.err;
  ::unlink(conf_.c_str());

  // A policy file anyone can write: its users: rules are not obeyed.
  std::filesystem::create_directories(dir_ / "root/etc/capset/policy.d");
  const std::string yaml = dir_ / "root/etc/capset/policy.d/u.yaml";
  std::ofstream(yaml) << "users:\n  - match: \"@root\"\n    ambient: [cap_net_raw]\n";
  ::chmod(yaml.c_str(), 0666);
  Service("yaml", CAPSET_TEST_PAM_MODULE,
          "config=" + dir_ / "none.conf" + " policy_root=" + dir_ / "root");
  std::string out = Harness("yaml", "root");
  EXPECT_EQ(out.rfind("auth=AUTHINFO_UNAVAIL", 0), 0u) << out;
  EXPECT_EQ(out.find("cap_net_raw"), std::string::npos) << out;
  ::chmod(yaml.c_str(), 0644);
  EXPECT_NE(Harness("yaml", "root").find("setcred=SUCCESS iab=^cap_net_raw"), std::string::npos);
  // policy_root= naming no directory is an error, not an empty policy.
  Service("noroot", CAPSET_TEST_PAM_MODULE,
          "config=" + dir_ / "none.conf" + " policy_root=" + dir_ / "no-such-root");
  out = Harness("noroot", "root");
  EXPECT_EQ(out.rfind("auth=AUTHINFO_UNAVAIL", 0), 0u) << out;
}

// Issue 11: with `session optional pam_capset.so` (pam-auth-update's profile), sshd's
// per-session process — it runs as the user, never calls pam_end() and never execs — held
// root's whole permitted set (PR_SET_KEEPCAPS) for the whole connection. The harness does
// what that process does (setuid, no pam_end, no exec) and what su's child does (setuid,
// then pam_end(PAM_DATA_SILENT)), and prints what it holds afterwards.
TEST_F(PamModuleTest, SessionNeverLeavesRootsPermittedSetBehind) {
  Conf("^cap_net_raw nobody\nnone *\n");
  auto stack = [&](const std::string& name, const std::string& session_args) {
    const std::string args = "config=" + conf_ + " nopolicy";
    std::ofstream(dir_ / name) << "auth optional " << CAPSET_TEST_PAM_MODULE << " " << args
                               << "\nsession optional " << CAPSET_TEST_PAM_MODULE << " " << args
                               << " " << session_args << "\n";
  };
  auto run = [&](const std::string& service, const std::string& user, const std::string& mode) {
    CommandResult r = RunCommand({CAPSET_TEST_PAM_HARNESS, dir_.path(), service, user, mode});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  const std::string nobody = "=65534", kNone = "0000000000000000", kRaw = "0000000000002000";
  stack("profile", "");
  for (const std::string user : {"nobody", "daemon"}) {  // a rule; only "none *"
    for (const std::string mode : {"session-noend", "session-setuid"}) {
      const std::string out = run("profile", user, mode + nobody).out;
      EXPECT_NE(out.find("session=SUCCESS prm=" + kNone + " eff=" + kNone + " amb=" + kNone +
                         " keepcaps=0"),
                std::string::npos)
          << user << " " << mode << ": " << out;
    }
  }
  // keepcaps, for an application that calls pam_end() after setuid(): the ambient set, and
  // nothing beyond it, once pam_end has run.
  stack("su", "keepcaps");
  std::string out = run("su", "nobody", "session-setuid" + nobody).out;
  EXPECT_NE(out.find("prm=" + kRaw + " eff=" + kRaw + " amb=" + kRaw + " keepcaps=0"),
            std::string::npos)
      << out;
  // keepcaps where the application never calls pam_end() after setuid() (sshd): refused.
  stack("sshd", "keepcaps");
  CommandResult r = run("sshd", "nobody", "session-noend" + nobody);
  EXPECT_NE(r.out.find("prm=" + kNone + " eff=" + kNone + " amb=" + kNone + " keepcaps=0"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("ignoring keepcaps: sshd's session process never calls pam_end()"),
            std::string::npos)
      << r.err;
  // The contrast: pam_cap's keepcaps in the same application leaves root's permitted set.
  if (::access(kPamCap, R_OK) == 0) {
    std::ofstream(dir_ / "pamcap")
        << "auth optional " << kPamCap << " config=" << conf_ << " keepcaps\n";
    out = run("pamcap", "nobody", "session-noend" + nobody).out;
    std::printf("pam_cap keepcaps, setuid without pam_end: %s", out.c_str());
    EXPECT_EQ(out.find("prm=" + kNone), std::string::npos) << out;
  }
}

TEST_F(PamModuleTest, FailureToApplyIsAnErrorNotIgnore) {
  // Without CAP_SETPCAP a process cannot raise an inheritable capability outside its
  // permitted set: pam_cap then returns PAM_IGNORE (success for the stack); capset an error.
  Conf("^cap_net_raw *\n");
  Service("capset", CAPSET_TEST_PAM_MODULE, "config=" + conf_ + " nopolicy");
  CommandResult r =
      RunCommand({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                  "--inh-caps=-all", CAPSET_TEST_PAM_HARNESS, dir_.path(), "capset", "nobody"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("setcred=PERM_DENIED"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace capset::testing
