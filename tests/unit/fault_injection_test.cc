// SPDX-License-Identifier: LGPL-2.1-or-later
// Fault injection (LevelDB's fault_injection_test) through the SysOps seam, without root: the
// record store, the policy loader and the login rules see a failure at every step they take,
// and the record store a crash between every two steps (that step and everything after it
// never happen, cleanup included). What must hold:
//   - a failed save reports an error and leaves the old record, whole; a successful one leaves
//     the new record; nothing else is ever read back (never half a record, never an empty one);
//   - after a crash the record is the old one or the new one, the next process saves again,
//     and leftover temporary files are ignored;
//   - a policy or capability.conf that could not be read is an error (the caller grants
//     nothing), never a smaller policy that looks fine.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "capset/applied_record.h"
#include "capset/login_sources.h"
#include "capset/policy_loader.h"
#include "common/status_matchers.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using testing::FakeSysOps;

const std::string kRoot = "/img";

AppliedRecord RecordOf(const std::string& path, const std::string& caps) {
  AppliedRecord r;
  r.files[path] = {path, caps, false, "pkg", kRoot + "/usr/lib/capset/policy.d/p.yaml:2:5"};
  return r;
}

const AppliedRecord kOld = RecordOf("/usr/bin/ping", "cap_net_raw=p");
const AppliedRecord kNew = RecordOf("/usr/bin/ping", "cap_net_raw=ep");

// An image with a record saved (kOld).
void MakeImage(FakeSysOps& sys) {
  sys.AddDir(kRoot);
  sys.AddDir(kRoot + "/var/lib");
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, kRoot, true);
  ASSERT_TRUE(store.ok()) << store.status().message();
  ASSERT_TRUE(store->Save(kOld).ok());
}

// One writer's whole run: open for update, load, save kNew. The first error, or OK.
Status SaveNew(FakeSysOps& sys) {
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, kRoot, true);
  if (!store.ok()) return store.status();
  Result<AppliedRecord> loaded = store->Load();
  if (!loaded.ok()) return loaded.status();
  return store->Save(kNew);
}

// What the next process reads.
Result<AppliedRecord> ReadBack(FakeSysOps& sys) {
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, kRoot, false);
  if (!store.ok()) return store.status();
  return store->Load();
}

std::vector<std::string> TempFiles(FakeSysOps& sys) {
  std::vector<std::string> out;
  for (const auto& n : sys.Names(kRoot + "/var/lib/capset")) {
    if (n.rfind(".applied-files.json.", 0) == 0) out.push_back(n);
  }
  return out;
}

using Injector = std::function<std::optional<Status>(std::string_view)>;

// Records the name of every operation into `steps`, failing none.
Injector Recorder(std::vector<std::string>& steps) {
  return [&steps](std::string_view op) -> std::optional<Status> {
    steps.emplace_back(op);
    return std::nullopt;
  };
}

// Fails the k-th operation (from 0) with EIO, once.
Injector FailStep(size_t k) {
  return [k, n = size_t{0}](std::string_view) mutable -> std::optional<Status> {
    if (n++ == k) return Status(Code::kIoError, "Input/output error", EIO);
    return std::nullopt;
  };
}

// The process dies before the k-th operation: from then on nothing it asks for happens.
Injector CrashBefore(size_t k) {
  return [k, n = size_t{0}](std::string_view) mutable -> std::optional<Status> {
    if (n++ >= k) return Status(Code::kIoError, "the process is gone", EIO);
    return std::nullopt;
  };
}

// The operations one SaveNew makes, by name, in order.
std::vector<std::string> StepsOfSave() {
  FakeSysOps sys;
  MakeImage(sys);
  std::vector<std::string> steps;
  sys.inject = Recorder(steps);
  EXPECT_THAT(SaveNew(sys), testing::IsOk());
  return steps;
}

// Runs `load` (which reports whether it succeeded) on a fresh `image` once with every step
// recorded, then once per step with that step failed: each of those runs must fail.
void EveryFailedStepFails(const std::function<void(FakeSysOps&)>& image,
                          const std::function<bool(FakeSysOps&)>& load, size_t min_steps) {
  std::vector<std::string> steps;
  {
    FakeSysOps sys;
    image(sys);
    sys.inject = Recorder(steps);
    ASSERT_TRUE(load(sys));
  }
  ASSERT_GE(steps.size(), min_steps);
  for (size_t k = 0; k < steps.size(); ++k) {
    FakeSysOps sys;
    image(sys);
    sys.inject = FailStep(k);
    EXPECT_FALSE(load(sys)) << "an I/O error at step " << k << " (" << steps[k]
                            << ") went unnoticed";
  }
}

TEST(FaultInjectionTest, RecordSaveFailingAtEveryStep) {
  const std::vector<std::string> steps = StepsOfSave();
  ASSERT_GE(steps.size(), 10u);
  const std::set<std::string> kWrites = {"MkdirAt", "CreateAt", "WriteAll", "Chmod",
                                         "Chown",   "Sync",     "RenameAt", "TryLockExclusive"};
  int failed_runs = 0, survived = 0;
  for (size_t k = 0; k < steps.size(); ++k) {
    SCOPED_TRACE("failing step " + std::to_string(k) + ": " + steps[k]);
    FakeSysOps sys;
    MakeImage(sys);
    sys.inject = FailStep(k);
    const Status st = SaveNew(sys);
    sys.inject = nullptr;
    Result<AppliedRecord> back = ReadBack(sys);
    ASSERT_THAT(back.status(), testing::IsOk());
    if (st.ok()) {
      // A failure the save may survive: a read in looking up the user capsetd (which then
      // counts as unknown: only root may own the record, stricter, not looser), or the
      // best-effort sync of the directory after the rename (the last two steps). Never a
      // step that writes, creates, locks or renames.
      ++survived;
      EXPECT_TRUE(k + 2 >= steps.size() || !kWrites.count(steps[k])) << "survived " << steps[k];
      EXPECT_EQ(*back, kNew);
    } else {
      ++failed_runs;
      EXPECT_EQ(*back, kOld) << st.message();
      EXPECT_FALSE(st.message().empty());
      // The failed writer removed its temporary file (unless removing it was what failed).
      if (steps[k] != "UnlinkAt") {
        EXPECT_TRUE(TempFiles(sys).empty());
      }
    }
    // And the next writer succeeds.
    EXPECT_THAT(SaveNew(sys), testing::IsOk());
    ASSERT_TRUE(ReadBack(sys).ok());
    EXPECT_EQ(*ReadBack(sys), kNew);
  }
  EXPECT_GT(failed_runs, survived);
  std::printf("%zu steps of a save, each failed once: %d failed the save, %d were survived\n",
              steps.size(), failed_runs, survived);
}

TEST(FaultInjectionTest, RecordSaveCrashingBetweenEveryTwoSteps) {
  const std::vector<std::string> steps = StepsOfSave();
  for (size_t k = 0; k <= steps.size(); ++k) {
    SCOPED_TRACE("crash before step " + std::to_string(k));
    FakeSysOps sys;
    MakeImage(sys);
    sys.inject = CrashBefore(k);
    (void)SaveNew(sys);
    sys.inject = nullptr;
    Result<AppliedRecord> back = ReadBack(sys);
    ASSERT_THAT(back.status(), testing::IsOk());
    EXPECT_TRUE(*back == kOld || *back == kNew);
    if (k == steps.size()) {
      EXPECT_EQ(*back, kNew);
    }
    // The next process (its lock died with the crashed one) saves, and reads back what it saved.
    const AppliedRecord third = RecordOf("/usr/bin/arping", "cap_net_raw=p");
    Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, kRoot, true);
    ASSERT_THAT(store.status(), testing::IsOk());
    ASSERT_THAT(store->Save(third), testing::IsOk());
    EXPECT_EQ(*ReadBack(sys), third);
  }
}

// capsetd's look at the writers' lock before it answers an Apply with nothing to write: held
// while an apply runs, free after; no directory or lock file yet is no apply; a lock file that
// is not one regular file counts as held (the apply that takes it says why).
TEST(FaultInjectionTest, WriterActiveSeesAnApplyInProgressWithoutWaiting) {
  FakeSysOps sys;
  sys.AddDir(kRoot);
  sys.AddDir(kRoot + "/var/lib");
  auto active = [&]() -> std::string {  // "yes", "no", or the error
    Result<bool> r = AppliedRecordStore::WriterActive(sys, kRoot);
    return !r.ok() ? r.status().message() : *r ? "yes" : "no";
  };
  EXPECT_EQ(active(), "no");
  {
    Result<AppliedRecordStore> holder = AppliedRecordStore::Open(sys, kRoot, true);
    ASSERT_TRUE(holder.ok()) << holder.status().message();
    EXPECT_EQ(active(), "yes");
    EXPECT_EQ(sys.slept_ms, 0u);
  }
  EXPECT_EQ(active(), "no");
  // The look let the lock go: a writer takes it at once.
  ASSERT_TRUE(AppliedRecordStore::Open(sys, kRoot, true).ok());
  EXPECT_EQ(sys.slept_ms, 0u);
  sys.Remove(kRoot + "/var/lib/capset/.lock");
  sys.AddSymlink(kRoot + "/var/lib/capset/.lock", "/etc/shadow");
  EXPECT_EQ(active(), "yes");
}

TEST(FaultInjectionTest, ALockHeldElsewhereIsWaitedForThenReported) {
  FakeSysOps sys;
  MakeImage(sys);
  Result<AppliedRecordStore> holder = AppliedRecordStore::Open(sys, kRoot, true);
  ASSERT_TRUE(holder.ok());
  Result<AppliedRecordStore> second = AppliedRecordStore::Open(sys, kRoot, true);
  EXPECT_THAT(second.status(),
              testing::StatusIs(Code::kIoError, ::testing::HasSubstr("another apply has held")));
  EXPECT_GE(sys.slept_ms, static_cast<unsigned>(AppliedRecordStore::kLockTimeoutMs));
}

// Every step of loading the policy tree, failed once: the load is an error, never a policy
// that looks complete without the file it could not read.
TEST(FaultInjectionTest, PolicyLoadFailingAtEveryStepIsAnError) {
  auto image = [](FakeSysOps& sys) {
    for (const auto& d : PolicyDirectories()) sys.AddDir(kRoot + d);
    sys.AddTextFile(kRoot + "/usr/lib/capset/policy.d/10-a.yaml",
                    "files:\n  - path: /usr/bin/ping\n    caps: cap_net_raw=p\n");
    sys.AddTextFile(kRoot + "/etc/capset/policy.d/20-b.yaml",
                    "services:\n  b.service:\n    user: b\n");
  };
  PolicyLoadOptions serial;
  serial.parallel = false;
  EveryFailedStepFails(
      image,
      [&](FakeSysOps& sys) {
        LoadedPolicy p = LoadPolicyTree(sys, kRoot, serial);
        return p.ok() && p.policy.files.size() == 1 && p.policy.services.size() == 1;
      },
      6);
}

TEST(FaultInjectionTest, LoginRulesFailingAtEveryStepGrantNothing) {
  auto image = [](FakeSysOps& sys) {
    sys.AddDir("/etc/security");
    sys.AddTextFile("/etc/security/capability.conf", "cap_net_raw alice\n");
  };
  LoginSources sources;
  sources.read_policy = false;
  sources.parallel = false;
  EveryFailedStepFails(
      image,
      [&](FakeSysOps& sys) {
        LoginRules rules = LoadLoginRules(sys, sources);
        return rules.ok() && rules.rules.size() == 1;
      },
      3);
}

}  // namespace
}  // namespace capset
