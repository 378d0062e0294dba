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
  EXPECT_NE(r.out.find("  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n"), std::string::npos)
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
