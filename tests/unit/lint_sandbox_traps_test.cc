// SPDX-License-Identifier: LGPL-2.1-or-later
// The traps found trying the service audit's suggestions on real daemons (LintService, 5-7):
// a bounding capability whose system calls the template's SystemCallFilter= blocks; the
// unit's PIDFile= and a known daemon's log paths under ProtectSystem=; ProtectHome= against a
// daemon that serves home directories. Each with the fix that makes it go away, and the case
// that must not be flagged.
#include <gtest/gtest.h>

#include "capset/policy_parser.h"
#include "capset/unit_gen.h"
#include "capset/unit_template.h"

namespace capset {
namespace {

constexpr const char kGroups[] =
    "@default\n    execve\n\n"
    "@system-service\n    @chown\n    @setuid\n    read\n    setfsuid\n\n"
    "@chown\n    chown\n    fchown\n    fchownat\n    lchown\n\n"
    "@setuid\n    setuid\n    setresuid\n    setreuid\n    setgid\n    setresgid\n"
    "    setregid\n    setgroups\n\n"
    "@privileged\n    @chown\n    @setuid\n    chroot\n    setfsuid\n";

ServicePolicy Service(const std::string& name, const std::string& yaml) {
  ParsedPolicy p = ParsePolicy("services:\n  " + name + ":\n" + yaml, "p.yaml");
  EXPECT_TRUE(p.ok());
  return p.policy.services.at(0);
}

UnitTemplate Template(const std::string& body) {
  return *ParseUnitTemplate("[Service]\n" + body, "t", "t.conf");
}

std::string All(const std::vector<Diagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += x.ToString() + "\n";
  return s;
}

TEST(LintSandboxTrapsTest, ABoundingCapabilityWhoseSystemCallsTheFilterBlocks) {
  const SyscallGroups groups = ParseSyscallGroups(kGroups);
  LintOptions o;
  o.syscall_groups = &groups;
  const UnitTemplate network = Template(
      "SystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources\n");
  ServicePolicy s = Service("ftp.service",
                            "    user: root\n    ambient: []\n"
                            "    bounding: [cap_setuid, cap_sys_chroot, cap_chown, cap_kill]\n");
  const std::string d = All(LintService(s, &network, o));
  EXPECT_NE(d.find("CAP_SETUID is in the bounding set, but SystemCallFilter= (template t) blocks "
                   "setuid, setresuid, setreuid"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("CAP_SYS_CHROOT is in the bounding set, but SystemCallFilter= (template t) "
                   "blocks chroot"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("CAP_CHOWN"), std::string::npos) << d;
  EXPECT_EQ(d.find("CAP_KILL"), std::string::npos) << d;  // no system call of its own

  // Allowing them in the policy's settings fixes it.
  s = Service("ftp.service",
              "    user: root\n    ambient: []\n"
              "    bounding: [cap_setuid, cap_sys_chroot, cap_chown]\n"
              "    settings:\n      SystemCallFilter: [\"@setuid\", \"chroot\", \"@chown\"]\n");
  EXPECT_EQ(All(LintService(s, &network, o)), "");
  // chroot is not in @system-service alone.
  const UnitTemplate service_only = Template("SystemCallFilter=@system-service\n");
  s = Service("ftp.service", "    user: root\n    ambient: []\n    bounding: [cap_sys_chroot]\n");
  EXPECT_NE(All(LintService(s, &service_only, o)).find("blocks chroot"), std::string::npos);
  // Without systemd's groups the trap is not judged (never a false alarm).
  EXPECT_EQ(All(LintService(s, &service_only, {})), "");
}

TEST(LintSandboxTrapsTest, PidFileAndKnownLogPathsUnderProtectSystem) {
  const UnitTemplate strict = Template("ProtectSystem=strict\n");
  LintOptions o;
  std::vector<UnitAssignment> unit = {
      {"Service", "PIDFile", "/run/proftpd.pid", "proftpd.service", 12}};
  o.unit_assignments = [&](const std::string&) { return unit; };
  ServicePolicy s = Service("proftpd.service",
                            "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n"
                            "    exec: /usr/sbin/proftpd\n");
  std::string d = All(LintService(s, &strict, o));
  EXPECT_NE(d.find("the unit writes its PIDFile=/run/proftpd.pid, which ProtectSystem=strict "
                   "(template t) makes read-only"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("proftpd writes /var/log/proftpd"), std::string::npos) << d;
  // ReadWritePaths= (or the unit's RuntimeDirectory=) fixes it.
  s = Service("proftpd.service",
              "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n"
              "    exec: /usr/sbin/proftpd\n"
              "    settings:\n      ReadWritePaths: [\"/run\", \"/var/log/proftpd\", \"/var/log/wtmp\"]\n"
              "      ProtectHome: \"no\"\n");
  EXPECT_EQ(All(LintService(s, &strict, o)), "");
  // ProtectSystem=full leaves /run and /var writable.
  const UnitTemplate full = Template("ProtectSystem=full\n");
  s = Service("other.service", "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n");
  EXPECT_EQ(All(LintService(s, &full, o)), "");
}

TEST(LintSandboxTrapsTest, ProtectHomeAgainstADaemonThatServesHomes) {
  const UnitTemplate home = Template("ProtectHome=read-only\n");
  ServicePolicy s = Service("ssh.service",
                            "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n"
                            "    no-new-privileges: false\n");
  const std::string d = All(LintService(s, &home, {}));
  EXPECT_NE(d.find("sshd serves home directories, which ProtectHome=read-only (template t) hides "
                   "or makes read-only"),
            std::string::npos)
      << d;
  // A daemon that does not serve homes is not flagged.
  s = Service("chrony.service", "    user: root\n    ambient: []\n    bounding: [cap_sys_time]\n");
  EXPECT_EQ(All(LintService(s, &home, {})).find("serves home"), std::string::npos);
}

}  // namespace
}  // namespace capset

namespace capset {
namespace {

TEST(LintSandboxTrapsRegressionTest, TheUnitsOwnSettingsCountAndAreNamed) {
  const SyscallGroups groups = ParseSyscallGroups(kGroups);
  LintOptions o;
  o.syscall_groups = &groups;
  std::vector<UnitAssignment> unit = {
      {"Service", "SystemCallFilter", "~@setuid", "u.service", 3},
      {"Service", "ReadWritePaths", "/run", "u.service", 4},
      {"Service", "ReadWritePaths", "", "u.service", 5},
      {"Service", "PIDFile", "/run/u.pid", "u.service", 6},
      {"Service", "ProtectHome", "yes", "u.service", 7}};
  o.unit_assignments = [&](const std::string&) { return unit; };
  // The unit's own filter blocks what the policy's bounding set is for.
  ServicePolicy s = Service("u.service", "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n");
  std::string d = All(LintService(s, nullptr, o));
  EXPECT_NE(d.find("SystemCallFilter= (the unit's own) blocks setuid"), std::string::npos) << d;
  // A reset ReadWritePaths= no longer makes /run writable under capset's ProtectSystem=strict.
  const UnitTemplate strict = Template("ProtectSystem=strict\n");
  d = All(LintService(s, &strict, o));
  EXPECT_NE(d.find("error: u.service: the unit writes its PIDFile=/run/u.pid"), std::string::npos)
      << d;
  // The unit's own ProtectSystem= is the unit's doing: a warning, named as the unit's.
  unit.push_back({"Service", "ProtectSystem", "strict", "u.service", 8});
  d = All(LintService(s, nullptr, o));
  EXPECT_NE(d.find("warning: u.service: the unit writes its PIDFile=/run/u.pid, which "
                   "ProtectSystem=strict (the unit's own)"),
            std::string::npos)
      << d;
  // ProtectHome= set by the unit is not blamed on a template that does not set it.
  const UnitTemplate none = Template("ProtectKernelModules=yes\n");
  s = Service("ssh.service", "    user: root\n    ambient: []\n    bounding: [cap_setuid]\n");
  d = All(LintService(s, &none, o));
  EXPECT_NE(d.find("ProtectHome=yes (the unit's own)"), std::string::npos) << d;
}

}  // namespace
}  // namespace capset
