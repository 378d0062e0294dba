// SPDX-License-Identifier: LGPL-2.1-or-later
// The profiler's decisions without the kernel: what is noise, what a check site is, and how
// minimization and verification turn a permissive run into the needed set (a fake runner
// models programs whose behaviour depends on the capabilities they get).
#include <gtest/gtest.h>
#include <linux/capability.h>

#include "capset/profile_command.h"

namespace capset {
namespace {

CapCheck Check(int cap, bool granted, int syscall, std::vector<std::string> stack,
               uint64_t count = 1) {
  CapCheck c;
  c.cap = cap;
  c.granted = granted;
  c.syscall = syscall;
  c.stack = std::move(stack);
  c.comm = "prog";
  c.count = count;
  return c;
}

const std::vector<std::string> kMmapStack = {"cap_capable", "security_capable",
                                             "cap_vm_enough_memory", "mmap_region", "do_mmap"};
const std::vector<std::string> kRawStack = {"cap_capable", "security_capable", "ns_capable_common",
                                            "ns_capable",  "inet_create",      "__sock_create"};

TEST(ProfileAnalysisTest, NoiseIsToldFromTheCallSite) {
  EXPECT_TRUE(NoiseReason(Check(CAP_SYS_ADMIN, false, 9, kMmapStack)));
  EXPECT_FALSE(NoiseReason(Check(CAP_NET_RAW, true, 41, kRawStack)));
  CapCheck other = Check(CAP_DAC_OVERRIDE, true, 1, {"cap_capable"});
  other.other_cred = true;
  EXPECT_TRUE(NoiseReason(other));
  CapCheck ns = Check(CAP_SYS_ADMIN, true, 165, {"cap_capable"});
  ns.user_ns = true;
  EXPECT_TRUE(NoiseReason(ns));
  EXPECT_EQ(CheckSite(kRawStack), "inet_create");
  EXPECT_EQ(CheckSite({"cap_capable", "__bpf_trace_cap_capable", "security_capable", "capable",
                       "chown_ok"}),
            "chown_ok");
  EXPECT_EQ(SyscallName(41), "socket");
  EXPECT_EQ(SyscallName(-1), "no system call");
}

TEST(ProfileAnalysisTest, ClassifiesARun) {
  TracedRun run;
  run.checks = {Check(CAP_SYS_ADMIN, false, 9, kMmapStack, 40),
                Check(CAP_NET_RAW, true, 41, kRawStack, 2),
                Check(CAP_SYS_TIME, false, 227, {"cap_capable", "capable", "do_settimeofday"})};
  run.capset_permitted = CapBit(CAP_CHOWN) | CapBit(CAP_AUDIT_WRITE) | CapBit(CAP_NET_RAW);
  const RunAnalysis a = AnalyzeRun(run);
  EXPECT_EQ(a.candidates, CapBit(CAP_NET_RAW));
  EXPECT_EQ(a.denied, CapBit(CAP_SYS_TIME));
  EXPECT_EQ(a.noise_only, CapBit(CAP_SYS_ADMIN));
  EXPECT_EQ(a.requested_only, CapBit(CAP_CHOWN) | CapBit(CAP_AUDIT_WRITE));
  EXPECT_FALSE(a.raises_effective);
  run.capset_effective = CapBit(CAP_NET_RAW);
  EXPECT_TRUE(AnalyzeRun(run).raises_effective);
}

// A fake program: it needs `needed` to exit 0, checks `optional` and carries on without it,
// and always makes the noise checks.
TracedRunner FakeProgram(CapMask needed, CapMask optional, int* runs) {
  return [=](const RunSpec& spec) -> Result<TracedRun> {
    ++*runs;
    TracedRun run;
    run.checks.push_back(
        Check(CAP_SYS_ADMIN, (spec.grant & CapBit(CAP_SYS_ADMIN)) != 0, 12, kMmapStack, 10));
    for (int c = 0; c < 64; ++c) {
      if (!((needed | optional) & CapBit(c))) continue;
      run.checks.push_back(Check(c, (spec.grant & CapBit(c)) != 0, 41, kRawStack));
    }
    run.exit_status = (spec.grant & needed) == needed ? 0 : 1;
    return run;
  };
}

// What capctl itself lacks (a container's bounding set) cannot be given: said, not hidden.
TEST(ProfileCommandTest, CapabilitiesCapctlLacksAreReported) {
  int runs = 0;
  ProfileOptions options;
  options.spec.argv = {"/bin/prog"};
  options.available = KernelCapMask() & ~CapBit(CAP_SYS_RESOURCE);
  Result<ProfileResult> r = ProfileCommand(options, FakeProgram(0, 0, &runs));
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings[0].find("cap_sys_resource"), std::string::npos);
}

TEST(ProfileCommandTest, MinimizesToTheNeededSetAndVerifiesIt) {
  int runs = 0;
  ProfileOptions options;
  options.spec.argv = {"/bin/prog"};
  const CapMask needed = CapBit(CAP_NET_RAW) | CapBit(CAP_NET_BIND_SERVICE);
  const CapMask optional = CapBit(CAP_SYS_NICE);
  Result<ProfileResult> r = ProfileCommand(options, FakeProgram(needed, optional, &runs));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->needed, needed);
  EXPECT_EQ(r->optional, optional);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(runs, 1 + 3 + 1);  // permissive, one per candidate, verification
  ASSERT_EQ(r->trials.size(), 4u);
  EXPECT_EQ(r->trials.back().grant, needed);
  // CAP_SYS_ADMIN was only ever noise: never a candidate, never granted by the policy.
  EXPECT_EQ(r->needed & CapBit(CAP_SYS_ADMIN), 0u);

  Result<std::string> policy = ProfilePolicy(*r, "/usr/bin/prog");
  ASSERT_TRUE(policy.ok());
  EXPECT_NE(policy->find("caps: \"cap_net_bind_service,cap_net_raw=ep\""), std::string::npos)
      << *policy;
}

// mod_cap's case: capabilities asked for in capset(2), never checked, without which the
// capset(2) call and the program fail. Only a run can tell; they join the needed set.
TEST(ProfileCommandTest, RequestedOnlyCapabilitiesAreTriedToo) {
  static constexpr CapMask kept = CapBit(CAP_CHOWN) | CapBit(CAP_AUDIT_WRITE);
  auto program = [](const RunSpec& spec) -> Result<TracedRun> {
    TracedRun run;
    run.capset_permitted = kept | CapBit(CAP_NET_BIND_SERVICE);
    run.checks.push_back(Check(CAP_NET_BIND_SERVICE,
                               (spec.grant & CapBit(CAP_NET_BIND_SERVICE)) != 0, 49, kRawStack));
    run.exit_status = (spec.grant & kept) == kept ? 0 : 1;  // capset(2) fails without them
    return run;
  };
  ProfileOptions options;
  options.spec.argv = {"/usr/sbin/proftpd"};
  Result<ProfileResult> r = ProfileCommand(options, program);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->analysis.requested_only, kept);
  EXPECT_EQ(r->needed, kept);  // CAP_NET_BIND_SERVICE was checked, but the run did not need it
  EXPECT_EQ(r->optional, CapBit(CAP_NET_BIND_SERVICE));
  EXPECT_TRUE(r->verified);
}

TEST(ProfileCommandTest, WithoutVerifyEveryCandidateIsNeededUnproven) {
  int runs = 0;
  ProfileOptions options;
  options.spec.argv = {"/bin/prog"};
  options.verify = false;
  Result<ProfileResult> r =
      ProfileCommand(options, FakeProgram(CapBit(CAP_CHOWN), CapBit(CAP_FOWNER), &runs));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(r->needed, CapBit(CAP_CHOWN) | CapBit(CAP_FOWNER));
  EXPECT_FALSE(r->verified);
  EXPECT_NE(ProfilePolicy(*r, "/bin/prog")->find("not verified"), std::string::npos);
}

TEST(ProfileCommandTest, AProgramNeedingNothingGetsNoPolicy) {
  int runs = 0;
  ProfileOptions options;
  options.spec.argv = {"/bin/true"};
  Result<ProfileResult> r = ProfileCommand(options, FakeProgram(0, 0, &runs));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->needed, 0u);
  EXPECT_TRUE(r->verified);
  EXPECT_EQ(*ProfilePolicy(*r, "/bin/true"), "");
}

// A command that fails even with every capability cannot be minimized against: every other
// run would "succeed" at failing the same way.
TEST(ProfileCommandTest, AFailingPermissiveRunIsNotMinimized) {
  int runs = 0;
  ProfileOptions options;
  options.spec.argv = {"/bin/prog"};
  auto failing = [&runs](const RunSpec&) -> Result<TracedRun> {
    ++runs;
    TracedRun run;
    run.checks.push_back(Check(CAP_NET_RAW, true, 41, kRawStack));
    run.exit_status = 2;
    return run;
  };
  Result<ProfileResult> r = ProfileCommand(options, failing);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(runs, 1);
  EXPECT_FALSE(r->verified);
  EXPECT_EQ(r->needed, CapBit(CAP_NET_RAW));
  ASSERT_FALSE(r->warnings.empty());
  EXPECT_NE(r->warnings.back().find("exited 2"), std::string::npos);
}

TEST(ProfileCommandTest, AFailingRunIsAnError) {
  ProfileOptions options;
  options.spec.argv = {"/bin/prog"};
  auto broken = [](const RunSpec&) -> Result<TracedRun> {
    return Status(Code::kNotSupported, "no tracepoint");
  };
  Result<ProfileResult> r = ProfileCommand(options, broken);
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace capset

namespace capset {
namespace {

// The kernel takes stacks for the first checks of a kind only; the rest count with them.
TEST(ProfileAnalysisTest, SampledChecksCountWithTheirKind) {
  std::vector<CapCheck> checks = {Check(CAP_SYS_ADMIN, false, 9, kMmapStack, 16)};
  CapCheck sampled = Check(CAP_SYS_ADMIN, false, 9, {}, 99984);
  sampled.stack_sampled = true;
  checks.push_back(sampled);
  CapCheck orphan = Check(CAP_NET_RAW, true, 41, {}, 3);
  orphan.stack_sampled = true;
  checks.push_back(orphan);
  FoldSampledChecks(checks);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].count, 100000u);
  EXPECT_TRUE(NoiseReason(checks[0]));    // classified by the sibling's stack
  EXPECT_EQ(checks[1].cap, CAP_NET_RAW);  // no sibling with a stack: kept, stack unknown

  // Where a kind's stacks disagree, the sampled ones count with the one that is not noise.
  std::vector<CapCheck> mixed = {
      Check(CAP_SYS_PTRACE, true, 0, {"cap_capable", "ptracer_capable"}, 10),
      Check(CAP_SYS_PTRACE, true, 0, {"cap_capable", "proc_pid_io"}, 2)};
  CapCheck later = Check(CAP_SYS_PTRACE, true, 0, {}, 50);
  later.stack_sampled = true;
  mixed.push_back(later);
  FoldSampledChecks(mixed);
  ASSERT_EQ(mixed.size(), 2u);
  EXPECT_EQ(mixed[1].count, 52u);
  EXPECT_FALSE(NoiseReason(mixed[1]));
}

}  // namespace
}  // namespace capset
