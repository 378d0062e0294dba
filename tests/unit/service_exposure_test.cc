// SPDX-License-Identifier: LGPL-2.1-or-later
// A unit's settings read as systemd reads them, and its exposure computed as systemd-analyze
// security computes it. The numbers here were measured with systemd-analyze 252 on Debian 12
// (systemd-analyze security --offline=yes on a unit with exactly these lines); the
// integration test compares every unit file installed on the machine.
#include "capset/service_exposure.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/socket.h>

#include "capset/service_audit.h"
#include "capset/unit_files.h"

namespace capset {
namespace {

constexpr const char kGroups[] =
    "@default\n    execve\n    exit_group\n\n"
    "@system-service\n    @chown\n    @setuid\n    read\n    chroot\n\n"
    "@chown\n    chown\n    fchown\n\n"
    "@setuid\n    setresuid\n    setuid\n\n"
    "@privileged\n    @chown\n    @setuid\n    chroot\n    acct\n\n"
    "@mount\n    mount\n    umount2\n\n"
    "@swap\n    swapon\n    swapoff\n";

const SyscallGroups& Groups() {
  static const SyscallGroups g = ParseSyscallGroups(kGroups);
  return g;
}
bool Exists(const std::string& name) { return name != "socketcall"; }

Exposure Of(const std::string& unit) {
  const SecuritySettings s = SecuritySettingsOf(ParseUnitFile(unit, "test.service"), Groups());
  return AssessExposure(s, Groups(), Exists);
}

const ExposureCheck& Check(const Exposure& e, const std::string& field) {
  for (const ExposureCheck& c : e.checks) {
    if (c.json_field == field) return c;
  }
  ADD_FAILURE() << "no check " << field;
  static const ExposureCheck kNone;
  return kNone;
}

TEST(ServiceExposureTest, ABareServiceIs96LikeSystemdAnalyze) {
  const Exposure e = Of("[Service]\nExecStart=/bin/true\n");
  EXPECT_EQ(e.value, 96u);
  EXPECT_EQ(ExposureText(e.value), "9.6");
  EXPECT_STREQ(ExposureLevel(e.value), "UNSAFE");
  EXPECT_EQ(e.checks.size(), 81u);
  uint64_t weights = 0;
  for (const ExposureCheck& c : e.checks) weights += c.weight;
  EXPECT_EQ(weights, 56460u);  // systemd-analyze 252's weights, summed
  EXPECT_FALSE(Check(e, "SupplementaryGroups").applicable);  // runs as root
  EXPECT_EQ(Check(e, "UserOrDynamicUser").badness, 10u);
}

TEST(ServiceExposureTest, PrivateTmpIs94Offline) {
  // Offline, systemd-analyze does not infer PrivateMounts=; live, it does.
  EXPECT_EQ(Of("[Service]\nPrivateTmp=yes\n").value, 94u);
  SecuritySettings s = SecuritySettingsOf(ParseUnitFile("[Service]\nPrivateTmp=yes\n", "t"), Groups());
  EXPECT_FALSE(s.private_mounts);
  AdjustAsLiveAnalysis(s);
  EXPECT_TRUE(s.private_mounts);
}

TEST(ServiceExposureTest, DynamicUserImpliesWhatTheLoaderImplies) {
  const SecuritySettings s =
      SecuritySettingsOf(ParseUnitFile("[Service]\nDynamicUser=yes\n", "t"), Groups());
  EXPECT_TRUE(s.private_tmp);
  EXPECT_TRUE(s.remove_ipc);
  EXPECT_TRUE(s.no_new_privileges);
  EXPECT_TRUE(s.restrict_suid_sgid);
  EXPECT_EQ(s.protect_system, "strict");
  EXPECT_EQ(s.protect_home, "read-only");
  const Exposure e = AssessExposure(s, Groups(), Exists);
  EXPECT_EQ(Check(e, "UserOrDynamicUser").badness, 0u);
  EXPECT_EQ(Check(e, "ProtectHome").badness, 5u);
}

TEST(ServiceExposureTest, SandboxSettingsTakeCapabilitiesFromTheBoundingSet) {
  const SecuritySettings s = SecuritySettingsOf(
      ParseUnitFile("[Service]\nPrivateDevices=yes\nProtectKernelModules=yes\n"
                    "ProtectKernelLogs=yes\nProtectClock=yes\n",
                    "t"),
      Groups());
  for (int cap : {CAP_MKNOD, CAP_SYS_RAWIO, CAP_SYS_MODULE, CAP_SYSLOG, CAP_SYS_TIME,
                  CAP_WAKE_ALARM}) {
    EXPECT_FALSE(s.bounding & (uint64_t{1} << cap)) << cap;
  }
  EXPECT_EQ(s.device_policy, "closed");
  EXPECT_TRUE(s.device_allow);  // ProtectClock= allows the RTC
}

TEST(ServiceExposureTest, CapabilityListsAddUpAndResetLikeSystemd) {
  auto bounding = [](const std::string& lines) {
    return SecuritySettingsOf(ParseUnitFile("[Service]\n" + lines, "t"), Groups()).bounding;
  };
  const uint64_t admin = uint64_t{1} << CAP_SYS_ADMIN, raw = uint64_t{1} << CAP_NET_RAW;
  EXPECT_EQ(bounding("CapabilityBoundingSet=CAP_NET_RAW\n"), raw);
  EXPECT_EQ(bounding("CapabilityBoundingSet=CAP_NET_RAW\nCapabilityBoundingSet=CAP_SYS_ADMIN\n"),
            raw | admin);
  EXPECT_EQ(bounding("CapabilityBoundingSet=~CAP_SYS_ADMIN\n"), ~admin);
  EXPECT_EQ(bounding("CapabilityBoundingSet=CAP_NET_RAW\nCapabilityBoundingSet=\n"), 0u);
}

TEST(ServiceExposureTest, AddressFamiliesNamespacesAndIpAddresses) {
  Exposure e = Of("[Service]\nRestrictAddressFamilies=AF_UNIX\n");
  EXPECT_EQ(Check(e, "RestrictAddressFamilies_AF_UNIX").badness, 1u);  // allowed
  EXPECT_EQ(Check(e, "RestrictAddressFamilies_AF_INET_INET6").badness, 0u);
  e = Of("[Service]\nRestrictAddressFamilies=none\n");
  EXPECT_EQ(Check(e, "RestrictAddressFamilies_AF_UNIX").badness, 0u);
  e = Of("[Service]\nRestrictAddressFamilies=~AF_PACKET\n");
  EXPECT_EQ(Check(e, "RestrictAddressFamilies_AF_PACKET").badness, 0u);
  EXPECT_EQ(Check(e, "RestrictAddressFamilies_OTHER").badness, 1u);

  auto ns = [](const std::string& lines) {
    return SecuritySettingsOf(ParseUnitFile("[Service]\n" + lines, "t"), Groups())
        .namespaces_allowed;
  };
  EXPECT_EQ(ns("RestrictNamespaces=yes\n"), 0u);
  EXPECT_EQ(ns("RestrictNamespaces=net\n"), uint64_t{CLONE_NEWNET});
  EXPECT_EQ(ns("RestrictNamespaces=net\nRestrictNamespaces=user\n"),
            uint64_t{CLONE_NEWNET | CLONE_NEWUSER});
  EXPECT_FALSE(ns("RestrictNamespaces=~user\n") & CLONE_NEWUSER);
  EXPECT_TRUE(ns("RestrictNamespaces=~user\n") & CLONE_NEWNET);

  e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=localhost\n");
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 2u);
  e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=10.0.0.0/8\n");
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 5u);
  e = Of("[Service]\nIPAddressDeny=0.0.0.0/0\n");  // IPv6 is still open
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 10u);
}

TEST(ServiceExposureTest, SystemCallFiltersAsSystemdAnalyzeReadsThem) {
  Exposure e = Of("[Service]\nSystemCallFilter=@system-service\n");
  const ExposureCheck& priv = Check(e, "SystemCallFilter_privileged");
  EXPECT_EQ(priv.badness, 9u);
  EXPECT_NE(priv.description.find("is included (e.g. chown is allowed)"), std::string::npos)
      << priv.description;
  EXPECT_EQ(Check(e, "SystemCallFilter_mount").badness, 0u);

  e = Of("[Service]\nSystemCallFilter=~@mount\n");
  EXPECT_EQ(Check(e, "SystemCallFilter_mount").badness, 0u);
  EXPECT_EQ(Check(e, "SystemCallFilter_swap").badness, 10u);

  // A later assignment of the other sense takes away; an empty one resets.
  e = Of("[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged\n");
  EXPECT_EQ(Check(e, "SystemCallFilter_privileged").badness, 0u);
  e = Of("[Service]\nSystemCallFilter=~@mount\nSystemCallFilter=\n");
  EXPECT_EQ(Check(e, "SystemCallFilter_mount").description, "Service does not filter system calls");
}

TEST(ServiceExposureTest, LevelsAreSystemdsThresholds) {
  EXPECT_STREQ(ExposureLevel(100), "DANGEROUS");
  EXPECT_STREQ(ExposureLevel(90), "UNSAFE");
  EXPECT_STREQ(ExposureLevel(89), "EXPOSED");
  EXPECT_STREQ(ExposureLevel(50), "MEDIUM");
  EXPECT_STREQ(ExposureLevel(10), "OK");
  EXPECT_STREQ(ExposureLevel(1), "SAFE");
  EXPECT_STREQ(ExposureLevel(0), "PERFECT");
}

TEST(ServiceExposureTest, BusPropertiesMapLikeSystemdAnalyzeLive) {
  BusProperties unit, service;
  auto flag = [](bool b) {
    BusValue v;
    v.signature = "b";
    v.flag = b;
    return v;
  };
  unit["DefaultDependencies"] = flag(true);
  service["User"].signature = "s";
  service["User"].text = "web";
  service["PrivateTmp"] = flag(true);
  service["ProtectHome"].signature = "s";
  service["ProtectHome"].text = "no";
  service["ProtectSystem"].signature = "s";
  service["ProtectSystem"].text = "no";
  BusValue families;
  families.signature = "(bas)";
  families.flag = true;
  families.strings = {"AF_UNIX"};
  service["RestrictAddressFamilies"] = families;
  BusValue deny, allow;
  deny.signature = allow.signature = "a(iayu)";
  auto ip = [](int family, std::vector<uint8_t> address, unsigned prefix) {
    BusValue::Ip i;
    i.family = family;
    i.address = std::move(address);
    i.prefix = prefix;
    return i;
  };
  deny.ips = {ip(AF_INET, {0, 0, 0, 0}, 0), ip(AF_INET6, std::vector<uint8_t>(16, 0), 0)};
  allow.ips = {ip(AF_INET, {127, 0, 0, 0}, 8)};
  service["IPAddressDeny"] = deny;
  service["IPAddressAllow"] = allow;
  const SecuritySettings s = SecuritySettingsFromBus(unit, service);
  EXPECT_EQ(s.user, "web");
  EXPECT_TRUE(s.private_mounts);  // implied by PrivateTmp=, as the live analysis does
  EXPECT_FALSE(s.restrict_unix);
  EXPECT_TRUE(s.restrict_inet);
  EXPECT_TRUE(s.ip_deny_all);
  EXPECT_TRUE(s.ip_allow_localhost);
  EXPECT_FALSE(s.ip_allow_other);
}

}  // namespace
}  // namespace capset

namespace capset {
namespace {

// Found by an independent tester against systemd-analyze 252 (each expectation is what
// systemd-analyze security --offline=yes says of the same lines).
TEST(ServiceExposureRegressionTest, OnlyTheServiceSectionCounts) {
  EXPECT_EQ(Of("[Service]\nExecStart=/bin/true\n[Install]\nProtectSystem=strict\n"
               "NoNewPrivileges=yes\n")
                .value,
            96u);
  const SecuritySettings s = SecuritySettingsOf(
      ParseUnitFile("User=daemon\n[Service]\nUser=nobody\n[X-Foo]\nUser=root\n[service]\n"
                    "User=bin\n",
                    "t"),
      Groups());
  EXPECT_EQ(s.user, "nobody");
}

TEST(ServiceExposureRegressionTest, InvalidOrEmptyValuesAreIgnoredAsSystemdIgnoresThem) {
  auto settings = [](const std::string& lines) {
    return SecuritySettingsOf(ParseUnitFile("[Service]\n" + lines, "t"), Groups());
  };
  EXPECT_EQ(settings("RestrictNamespaces=bogus\n").namespaces_allowed, ~uint64_t{0});
  EXPECT_EQ(settings("RestrictNamespaces=net bogus\n").namespaces_allowed, ~uint64_t{0});
  EXPECT_EQ(settings("ProtectSystem=strict\nProtectSystem=\n").protect_system, "strict");
  EXPECT_EQ(settings("ProtectSystem=strict\nProtectSystem=bogus\n").protect_system, "strict");
  EXPECT_EQ(settings("ProtectHome=tmpfs\nProtectHome=\n").protect_home, "tmpfs");
  EXPECT_EQ(settings("ProtectProc=invisible\nProtectProc=bogus\n").protect_proc, "invisible");
  EXPECT_EQ(settings("ProcSubset=pid\nProcSubset=\n").proc_subset, "pid");
  EXPECT_EQ(settings("KeyringMode=private\nKeyringMode=bogus\n").keyring_mode, "private");
  EXPECT_EQ(settings("NotifyAccess=all\nNotifyAccess=bogus\n").notify_access, "all");
  EXPECT_EQ(settings("DevicePolicy=strict\nDevicePolicy=\n").device_policy, "strict");
  EXPECT_EQ(settings("SystemCallArchitectures=native\nSystemCallArchitectures=bogus\n")
                .syscall_archs,
            std::set<std::string>{"native"});
  SecuritySettings s = settings("RestrictAddressFamilies=AF_INET\nRestrictAddressFamilies=AF_BOGUS\n");
  EXPECT_FALSE(s.restrict_inet);
  EXPECT_TRUE(s.restrict_unix);
  s = settings("RestrictAddressFamilies=~none\n");  // "none" is no family: nothing refused
  EXPECT_FALSE(s.restrict_inet || s.restrict_unix || s.restrict_other);
  EXPECT_TRUE(settings("Delegate=yes\nDelegate=\n").delegate);  // empty means yes
  EXPECT_TRUE(settings("Delegate=cpu\n").delegate);
}

TEST(ServiceExposureRegressionTest, QuotedListsAreOneWordAsSystemdSplitsThem) {
  // One unknown word to systemd: no capability at all.
  EXPECT_EQ(SecuritySettingsOf(ParseUnitFile("[Service]\nCapabilityBoundingSet=\"CAP_CHOWN "
                                             "CAP_NET_ADMIN\"\n",
                                             "t"),
                               Groups())
                .bounding,
            0u);
  EXPECT_EQ(UnitWords("a \"b c\" 'd e' f\\x41 \"\\\"q\\\"\""),
            (std::vector<std::string>{"a", "b c", "d e", "fA", "\"q\""}));
}

TEST(ServiceExposureRegressionTest, IpAddressesAreMaskedToTheirPrefix) {
  Exposure e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=127.0.0.1/4\n");
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 5u);  // 112.0.0.0/4: not localhost
  e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=::1/64\n");
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 5u);
  e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=127.0.0.1/33\n");  // refused
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 0u);
  e = Of("[Service]\nIPAddressDeny=any\nIPAddressAllow=127.0.0.1/8 ::1\n");
  EXPECT_EQ(Check(e, "IPAddressDeny").badness, 2u);
}

TEST(ServiceExposureRegressionTest, DeviceAllowAsSystemdValidatesIt) {
  EXPECT_EQ(Check(Of("[Service]\nDevicePolicy=strict\nDeviceAllow=/tmp/x rw\n"), "DeviceAllow")
                .badness,
            0u);
  EXPECT_EQ(Check(Of("[Service]\nDevicePolicy=strict\nDeviceAllow=/dev/null rwx\n"),
                  "DeviceAllow")
                .badness,
            0u);
  EXPECT_EQ(Check(Of("[Service]\nDevicePolicy=strict\nDeviceAllow=/dev/null rw\n"),
                  "DeviceAllow")
                .badness,
            5u);
  EXPECT_EQ(Check(Of("[Service]\nDevicePolicy=strict\nRootImage=/x.img\n"), "DeviceAllow")
                .badness,
            5u);  // the loop and device-mapper devices it needs
}

}  // namespace
}  // namespace capset
