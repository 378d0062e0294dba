// SPDX-License-Identifier: LGPL-2.1-or-later
// /proc as capctl audit --services reads it: a process's control groups (unified, hybrid, and
// a container that also sees its host's v1 hierarchies at "/"), and the socket tables.
#include "capset/service_processes.h"

#include <gtest/gtest.h>

namespace capset {
namespace {

TEST(ServiceProcessesTest, ControlGroupsOfEachLayout) {
  EXPECT_EQ(CgroupsOfProcess("0::/system.slice/ssh.service\n"),
            (std::vector<std::string>{"/system.slice/ssh.service"}));
  EXPECT_EQ(CgroupsOfProcess("12:pids:/system.slice/cron.service\n"
                             "1:name=systemd:/system.slice/cron.service\n"
                             "0::/system.slice/cron.service\n"),
            (std::vector<std::string>{"/system.slice/cron.service", "/system.slice/cron.service"}));
  // Inside a container on a legacy host: the host's v1 hierarchies at "/", its own unified one.
  const std::vector<std::string> container =
      CgroupsOfProcess("9:name=systemd:/\n8:pids:/\n0::/system.slice/ssh.service\n");
  ServiceProcess p;
  p.cgroups = container;
  EXPECT_EQ(ProcessesIn({p}, "/system.slice/ssh.service").size(), 1u);
  EXPECT_EQ(ProcessesIn({p}, "/system.slice/ssh").size(), 0u);  // a prefix is no parent
  EXPECT_EQ(ProcessesIn({p}, "/").size(), 0u);
  p.cgroups = {"/system.slice/ssh.service/child"};
  EXPECT_EQ(ProcessesIn({p}, "/system.slice/ssh.service").size(), 1u);
}

TEST(ServiceProcessesTest, ListeningSocketsFromTheTables) {
  const std::string tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n"
      "   1: 0100007F:0050 0100007F:D2A4 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0 100 0 0 10 0\n"
      "   2: garbage\n";
  auto t = ParseSocketTable(tcp, "tcp");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[4242].address, "127.0.0.1");
  EXPECT_EQ(t[4242].port, 80u);
  const std::string tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0 100 0 0 10 0\n";
  auto t6 = ParseSocketTable(tcp6, "tcp6");
  ASSERT_EQ(t6.size(), 1u);
  EXPECT_EQ(t6[77].address, "::1");
  EXPECT_EQ(t6[77].port, 22u);
  const std::string udp =
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
      "  1: 00000000:0202 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 99 2 0 0\n";
  auto u = ParseSocketTable(udp, "udp");
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[99].address, "0.0.0.0");
  EXPECT_EQ(u[99].port, 514u);
}

}  // namespace
}  // namespace capset
