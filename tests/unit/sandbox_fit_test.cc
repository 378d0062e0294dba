// SPDX-License-Identifier: LGPL-2.1-or-later
// What a hardening template would refuse a profiled service, read as systemd reads the
// settings: ProtectSystem=/PrivateTmp= and the paths written, RestrictAddressFamilies= and
// the sockets, SystemCallFilter= (with systemd's groups) and the system calls.
#include "capset/sandbox_fit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace capset {
namespace {

using Settings = std::vector<std::pair<std::string, std::string>>;

// A few of systemd's groups, as `systemd-analyze syscall-filter` prints them.
constexpr const char kGroups[] =
    "@default\n"
    "    # System calls that are always permitted\n"
    "    execve\n"
    "    exit_group\n"
    "\n"
    "@system-service\n"
    "    # General system service operations\n"
    "    @chown\n"
    "    @setuid\n"
    "    read\n"
    "    socket\n"
    "    bind\n"
    "    chroot\n"
    "\n"
    "@chown\n"
    "    chown\n"
    "    fchown\n"
    "\n"
    "@setuid\n"
    "    setresuid\n"
    "\n"
    "@privileged\n"
    "    @chown\n"
    "    chroot\n"
    "    setresuid\n"
    "\n"
    "@cycle\n"
    "    @cycle\n";

const Settings kNetworkDaemon = {{"ProtectSystem", "strict"},
                                 {"PrivateTmp", "yes"},
                                 {"RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"},
                                 {"SystemCallFilter", "@system-service"},
                                 {"SystemCallFilter", "~@privileged"}};

SandboxContext Context(std::set<std::string> existing = {}) {
  SandboxContext c;
  c.working_directory = "/srv/app";
  c.writable = {"/var/lib/app"};
  c.exists = [existing](const std::string& p) { return existing.count(p) > 0; };
  return c;
}

int Nr(const std::string& name) {
  for (int nr = 0; nr < 512; ++nr) {
    if (SyscallName(nr) == name) return nr;
  }
  ADD_FAILURE() << "no system call " << name;
  return -1;
}

TEST(SandboxFitTest, ParsesSystemdsGroups) {
  const SyscallGroups g = ParseSyscallGroups(kGroups);
  ASSERT_TRUE(g.count("@system-service"));
  EXPECT_EQ(g.at("@system-service"),
            (std::vector<std::string>{"@chown", "@setuid", "read", "socket", "bind", "chroot"}));
  EXPECT_EQ(g.at("@default"), (std::vector<std::string>{"execve", "exit_group"}));
  EXPECT_TRUE(ParseSyscallGroups("not a group\n    read\n").empty());
}

TEST(SandboxFitTest, PathsTheTemplateMakesReadOnlyAreAsked) {
  TracedRun run;
  run.written = {{"/srv/web/a.log", PathUse::kWrite, false},
                 {"/srv/web/b.log", PathUse::kWrite, false},       // two in one dir: the dir
                 {"/etc/app.conf", PathUse::kCreate, false},       // created: its directory
                 {"/opt/x/new", PathUse::kMaybeCreate, false},     // O_CREAT, did not exist
                 {"/opt/y/kept", PathUse::kMaybeCreate, false},    // O_CREAT, exists: the file
                 {"data/out", PathUse::kWrite, false},             // relative to /srv/app
                 {"/tmp/scratch", PathUse::kCreate, false},        // PrivateTmp=yes
                 {"/dev/null", PathUse::kWrite, false},            // always writable
                 {"/var/lib/app/state", PathUse::kCreate, false},  // StateDirectory=
                 {"rel", PathUse::kWrite, true}};                  // not resolvable
  const SandboxNeeds n =
      FitTemplate(run, kNetworkDaemon, ParseSyscallGroups(kGroups), Context({"/opt/y/kept"}));
  EXPECT_EQ(n.read_write_paths, (std::vector<std::string>{"/etc", "/opt/x", "/opt/y/kept",
                                                          "/srv/app/data/out", "/srv/web"}));
  ASSERT_EQ(n.notes.size(), 1u);
  EXPECT_NE(n.notes[0].find("1 written paths were relative"), std::string::npos);
}

TEST(SandboxFitTest, ProtectSystemFullLeavesVarWritable) {
  TracedRun run;
  run.written = {{"/var/log/app.log", PathUse::kWrite, false},
                 {"/etc/app/state", PathUse::kWrite, false},
                 {"/home/alice/x", PathUse::kWrite, false}};
  const SandboxNeeds n = FitTemplate(
      run, {{"ProtectSystem", "full"}, {"ProtectHome", "yes"}}, {}, Context());
  EXPECT_EQ(n.read_write_paths, (std::vector<std::string>{"/etc/app/state"}));
  ASSERT_EQ(n.notes.size(), 1u);
  EXPECT_NE(n.notes[0].find("which ProtectHome= hides"), std::string::npos);
  // No ProtectSystem=: nothing to ask.
  EXPECT_TRUE(FitTemplate(run, {}, {}, Context()).read_write_paths.empty());
}

TEST(SandboxFitTest, AddressFamiliesAreReadAsSystemdDoes) {
  TracedRun run;
  run.address_families = (uint64_t{1} << 1) | (uint64_t{1} << 2) | (uint64_t{1} << 16) |
                         (uint64_t{1} << 17);  // UNIX INET NETLINK PACKET
  EXPECT_EQ(FitTemplate(run, kNetworkDaemon, {}, Context()).address_families,
            (std::vector<std::string>{"AF_NETLINK", "AF_PACKET"}));
  // A later assignment that agrees adds; one that does not takes away.
  EXPECT_EQ(FitTemplate(run,
                        {{"RestrictAddressFamilies", "AF_UNIX AF_INET"},
                         {"RestrictAddressFamilies", "AF_NETLINK"},
                         {"RestrictAddressFamilies", "~AF_INET"}},
                        {}, Context())
                .address_families,
            (std::vector<std::string>{"AF_INET", "AF_PACKET"}));
  EXPECT_EQ(FitTemplate(run, {{"RestrictAddressFamilies", "~AF_PACKET"}}, {}, Context())
                .address_families,
            (std::vector<std::string>{"AF_PACKET"}));
  EXPECT_EQ(FitTemplate(run, {{"RestrictAddressFamilies", "none"}}, {}, Context())
                .address_families.size(),
            4u);
  // An empty assignment resets.
  EXPECT_TRUE(FitTemplate(run, {{"RestrictAddressFamilies", "AF_UNIX"},
                                {"RestrictAddressFamilies", ""}}, {}, Context())
                  .address_families.empty());
  EXPECT_EQ(AddressFamilyName(63), "AF_63");
}

TEST(SandboxFitTest, SystemCallsTheFilterBlocks) {
  TracedRun run;
  run.syscalls = {Nr("read"), Nr("execve"), Nr("chown"), Nr("chroot"), Nr("setresuid"),
                  Nr("socket"), Nr("mount")};
  std::sort(run.syscalls.begin(), run.syscalls.end());  // as the tracer gives them
  const SyscallGroups groups = ParseSyscallGroups(kGroups);
  // @system-service minus @privileged; @default is allowed with any allow list.
  EXPECT_EQ(FitTemplate(run, kNetworkDaemon, groups, Context()).syscalls,
            (std::vector<std::string>{"chown", "setresuid", "chroot", "mount"}));  // by number
  // A later allow-list entry gives one back (what the generated settings do).
  Settings with = kNetworkDaemon;
  with.push_back({"SystemCallFilter", "chroot setresuid:EPERM"});
  EXPECT_EQ(FitTemplate(run, with, groups, Context()).syscalls,
            (std::vector<std::string>{"chown", "mount"}));
  // A deny list blocks only what it names.
  EXPECT_EQ(FitTemplate(run, {{"SystemCallFilter", "~@chown mount"}}, groups, Context()).syscalls,
            (std::vector<std::string>{"chown", "mount"}));
  // A group that names itself ends.
  EXPECT_EQ(FitTemplate(run, {{"SystemCallFilter", "@cycle read"}}, groups, Context()).syscalls.size(),
            5u);
  // Without systemd's groups a filter cannot be checked, and the report says so.
  const SandboxNeeds unknown = FitTemplate(run, kNetworkDaemon, {}, Context());
  EXPECT_TRUE(unknown.syscalls.empty());
  ASSERT_EQ(unknown.notes.size(), 1u);
  EXPECT_NE(unknown.notes[0].find("SystemCallFilter= was not checked"), std::string::npos);
}

TEST(SandboxFitTest, PrivateNetworkAndTemplateChoice) {
  TracedRun run;
  run.address_families = uint64_t{1} << 10;  // AF_INET6
  EXPECT_EQ(SuggestTemplate(run), "network-daemon");
  const SandboxNeeds n = FitTemplate(run, {{"PrivateNetwork", "yes"}}, {}, Context());
  ASSERT_EQ(n.notes.size(), 1u);
  EXPECT_NE(n.notes[0].find("PrivateNetwork="), std::string::npos);
  run.address_families = uint64_t{1} << 1;  // AF_UNIX only
  EXPECT_EQ(SuggestTemplate(run), "strict");
}

TEST(SandboxFitTest, NormalizesPathsLexically) {
  EXPECT_EQ(NormalizePath("a/../b/./c", "/srv"), "/srv/b/c");
  EXPECT_EQ(NormalizePath("/../../etc//x/", "/"), "/etc/x");
  EXPECT_EQ(NormalizePath("..", "/"), "/");
}

}  // namespace
}  // namespace capset
