// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl audit on a scratch system image: set-ID programs found, classified against the
// knowledge base and the policy, and the suggested policy applied with capctl policy apply.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace capset::testing {
namespace {

TEST(AuditTest, ClassifiesSuggestsAndThePolicyItWritesApplies) {
  if (!IsRoot()) GTEST_SKIP() << "needs root (set-user-ID root files, capabilities)";
  ScratchDir dir(ScratchDir::Fs::kTmpfs);
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  const std::string root = dir.path();
  for (const char* d : {"/usr", "/usr/bin", "/usr/sbin", "/etc", "/etc/capset",
                        "/etc/capset/policy.d"}) {
    ASSERT_EQ(::mkdir((root + d).c_str(), 0755), 0) << d;
  }
  auto file = [&](const std::string& rel, mode_t mode) {
    const std::string path = dir.MakeFile(rel);
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  };
  const std::string ping = file("usr/bin/ping", 04755);
  file("usr/bin/sudo", 04755);
  file("usr/sbin/frobnicate", 04755);
  file("usr/bin/plain", 0755);
  const std::string mtr = file("usr/bin/mtr-packet", 0755);
  const std::string arping = file("usr/bin/arping", 0755);
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=ep", mtr}).exit_code, 0);
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=ep", arping}).exit_code, 0);
  std::ofstream(root + "/etc/capset/policy.d/arping.yaml")
      << "files:\n  - {path: /usr/bin/arping, caps: cap_net_raw=p}\n";

  CommandResult r = RunCommand({CapctlPath(), "audit", "--root", root, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  std::map<std::string, std::string> kind;
  for (const auto& f : j["findings"]) kind[f["path"]] = f["kind"];
  EXPECT_EQ(kind.size(), 5u) << r.out;  // "plain" has nothing privileged
  EXPECT_EQ(kind[ping], "replaceable");
  EXPECT_EQ(kind[root + "/usr/bin/sudo"], "not-replaceable");
  EXPECT_EQ(kind[root + "/usr/sbin/frobnicate"], "unknown");
  EXPECT_EQ(kind[mtr], "caps-not-in-policy");
  EXPECT_EQ(kind[arping], "policy-drift");  // =ep on disk, =p in the policy

  // The suggested policy, installed and applied, turns ping into a capability binary.
  r = RunCommand({CapctlPath(), "audit", "--root", root, "--policy-out", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("  - path: \"/usr/bin/ping\"\n    caps: \"cap_net_raw=p\"\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("sudo"), std::string::npos) << r.out;
  std::ofstream(root + "/etc/capset/policy.d/audit.yaml") << r.out;
  r = RunCommand({CapctlPath(), "policy", "apply", "--root", root});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  struct stat st {};
  ASSERT_EQ(::stat(ping.c_str(), &st), 0);
  EXPECT_FALSE(st.st_mode & S_ISUID);
  r = RunCommand({CapctlPath(), "audit", "--root", root, "--json"});
  j = nlohmann::json::parse(r.out);
  for (const auto& f : j["findings"]) kind[f["path"]] = f["kind"];
  EXPECT_EQ(kind[ping], "policy-ok");
  EXPECT_EQ(kind[arping], "policy-ok");
}

// Issue 11: a set-user-ID ping inside a directory a user owns, named with newlines and YAML,
// was listed as replaceable, and --policy-out wrote the name unquoted: the result passed
// policy check and granted cap_dac_override=ep to /usr/bin/vim.tiny.
TEST(AuditTest, NeverSuggestsForWhatAUserCanChangeAndQuotesEveryName) {
  if (!IsRoot()) GTEST_SKIP() << "needs root (set-user-ID root files, capabilities)";
  ScratchDir dir(ScratchDir::Fs::kTmpfs);
  if (!dir.skip_reason().empty()) GTEST_SKIP() << dir.skip_reason();
  const std::string root = dir.path();
  const std::string hostile = "x\n  - path: /usr/bin/vim.tiny\n    caps: cap_dac_override=ep\n  #";
  auto mkdirs = [&](const std::string& rel, uid_t owner) {
    std::string at = root;
    size_t start = 1;
    while (start <= rel.size()) {
      size_t end = rel.find('/', start);
      if (end == std::string::npos) end = rel.size();
      at += "/" + rel.substr(start, end - start);
      ::mkdir(at.c_str(), 0755);
      start = end + 1;
    }
    EXPECT_EQ(::chown(at.c_str(), owner, owner), 0) << at;
    return at;
  };
  for (const char* d : {"/usr", "/usr/bin", "/usr/sbin", "/usr/local", "/etc", "/etc/capset",
                        "/etc/capset/policy.d"}) {
    mkdirs(d, 0);
  }
  const std::string user_dir = mkdirs("/usr/local/u", 4242);
  mkdirs("/usr/local/u/" + hostile, 0);  // root's directories below the user's
  const std::string trusted_weird = mkdirs("/usr/" + hostile, 0);
  auto setuid_file = [&](const std::string& rel) {
    const std::string path = dir.MakeFile(rel);
    EXPECT_EQ(::chmod(path.c_str(), 04755), 0);
    return path;
  };
  const std::string ping = setuid_file("usr/bin/ping");
  const std::string in_user_dir = setuid_file("usr/local/u/" + hostile + "/ping");
  const std::string acl_ping = setuid_file("usr/sbin/ping");
  ASSERT_EQ(std::system(("setfacl -m u:4242:rw '" + acl_ping + "'").c_str()), 0);
  const std::string weird_ping = setuid_file(trusted_weird.substr(root.size() + 1) + "/ping");
  const std::string vim = dir.MakeFile("usr/bin/vim.tiny");

  CommandResult r = RunCommand({CapctlPath(), "audit", "--root", root, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> found;
  const nlohmann::json report = nlohmann::json::parse(r.out);
  for (const auto& f : report["findings"]) found[f["path"].get<std::string>()] = f;
  ASSERT_EQ(found.size(), 4u) << r.out;
  EXPECT_EQ(found[ping]["kind"], "replaceable");
  EXPECT_EQ(found[weird_ping]["kind"], "replaceable");
  EXPECT_EQ(found[in_user_dir]["kind"], "untrusted") << found[in_user_dir].dump();
  EXPECT_NE(found[in_user_dir]["detail"].get<std::string>().find("directory '" + user_dir +
                                                                 "' is owned by a non-root user"),
            std::string::npos)
      << found[in_user_dir].dump();
  EXPECT_EQ(found[acl_ping]["kind"], "untrusted");
  EXPECT_NE(found[acl_ping]["detail"].get<std::string>().find("user 4242 through its POSIX ACL"),
            std::string::npos)
      << found[acl_ping].dump();

  // The human listing escapes the name: no line of it is a forged line.
  r = RunCommand({CapctlPath(), "audit", "--root", root});
  EXPECT_EQ(r.out.find("\n  - path: /usr/bin/vim.tiny"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("x\\n  - path: /usr/bin/vim.tiny\\n"), std::string::npos) << r.out;

  const std::string out = dir / "suggested.yaml";
  r = RunCommand({CapctlPath(), "audit", "--root", root, "--policy-out", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("local/u"), std::string::npos) << text;
  EXPECT_EQ(text.find("/usr/sbin/ping"), std::string::npos) << text;
  r = RunCommand({CapctlPath(), "policy", "check", "--json", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ofstream(root + "/etc/capset/policy.d/audit.yaml") << text;
  r = RunCommand({CapctlPath(), "policy", "apply", "--root", root});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_EQ(RawCapXattr(vim), "") << "the name was read as an entry for vim.tiny";
  EXPECT_NE(RawCapXattr(weird_ping), "");
  EXPECT_NE(RawCapXattr(ping), "");
  EXPECT_EQ(RawCapXattr(in_user_dir), "");
  EXPECT_EQ(RawCapXattr(acl_ping), "");

  // --policy-out never writes through a symbolic link.
  const std::string victim = dir / "victim";
  std::ofstream(victim) << "keep\n";
  ASSERT_EQ(::symlink(victim.c_str(), (dir / "link.yaml").c_str()), 0);
  r = RunCommand({CapctlPath(), "audit", "--root", root, "--policy-out", dir / "link.yaml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("a symbolic link is not followed"), std::string::npos) << r.err;
  std::ifstream v(victim);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(v)), {}), "keep\n");
}

TEST(AuditTest, KnowsAtLeastTwentyReplaceablePrograms) {
  CommandResult r = RunCommand({CapctlPath(), "audit", "--known", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  int replaceable = 0;
  for (const auto& k : j) {
    EXPECT_FALSE(k["source"].get<std::string>().empty()) << k.dump();
    if (!k["caps"].is_null()) {
      ++replaceable;
      // Every suggestion is text capctl itself accepts.
      EXPECT_EQ(RunCommand({CapctlPath(), "set", "--dry-run", k["caps"], "/usr/bin/true"}).exit_code,
                0)
          << k.dump();
    }
  }
  EXPECT_GE(replaceable, 20);
  for (const char* name : {"ping", "arping", "clockdiff", "mtr-packet", "fping", "traceroute",
                           "dumpcap", "newuidmap", "newgidmap", "rsh", "rlogin", "rcp",
                           "gst-ptp-helper"}) {
    bool found = false;
    for (const auto& k : j) found = found || (k["name"] == name && !k["caps"].is_null());
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace capset::testing
