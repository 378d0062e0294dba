// SPDX-License-Identifier: LGPL-2.1-or-later
// The files: section's apply/verify logic against the in-memory filesystem: the order of the
// changes (a chown clears capabilities and the set-user-ID bit, as in the kernel), the setuid
// fallback, and idempotence.
#include "capset/file_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "capset/file_policy_run.h"
#include "capset/vfs_cap.h"
#include "common/status_matchers.h"
#include "fakes/acl_bytes.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

using testing::FakeSysOps;

FileEntry Entry(const std::string& path, const std::string& caps) {
  FileEntry e;
  e.path = path;
  e.caps = *FileCaps::FromText(caps);
  e.caps_text = caps;
  e.where = {"p.yaml", 1, 1};
  return e;
}

void SetCaps(FakeSysOps::Node& n, const FileCaps& caps) {
  const VfsCapBytes bytes = EncodeVfsCap(caps);
  n.xattr.emplace();
  std::copy(bytes.data.begin(), bytes.data.begin() + static_cast<long>(bytes.size),
            n.xattr->data.begin());
  n.xattr->size = bytes.size;
}

std::optional<FileCaps> CapsOf(const FakeSysOps::Node& n) {
  if (!n.xattr) return std::nullopt;
  return DecodeVfsCap(n.xattr->span())->caps;
}

TEST(FilePolicyTest, ChownThenCapabilitiesThenModeAndNothingTheSecondTime) {
  FakeSysOps sys;
  sys.AddFile("/usr/bin/mtr", 04755);
  Policy policy;
  policy.files.push_back(Entry("/usr/bin/mtr", "cap_net_raw=ep"));
  policy.files[0].group = "42";
  policy.files[0].mode = 0750;
  FilePolicyOptions opt;
  opt.apply = true;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].ok()) << r[0].error.message();
  EXPECT_TRUE(r[0].changed);
  EXPECT_EQ(r[0].drift.size(), 4u);  // caps, setuid, group, mode
  const FakeSysOps::Node& n = sys.At("/usr/bin/mtr");
  // Had the capabilities been written before the chown, the fake (like the kernel) would
  // have dropped them.
  ASSERT_TRUE(CapsOf(n).has_value());
  EXPECT_EQ(CapsOf(n)->ToText(), "cap_net_raw=ep");
  EXPECT_EQ(n.gid, 42u);
  EXPECT_EQ(n.mode & 07777, 0750u);

  const int writes = sys.set_calls;
  r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_TRUE(r[0].ok()) << r[0].error.message();
  EXPECT_FALSE(r[0].changed);
  EXPECT_TRUE(r[0].drift.empty());
  EXPECT_EQ(sys.set_calls, writes);
}

// A file already as its entry wants it is judged by name in its walked directory, without
// being opened (file_policy.cc's AlreadyAsWanted); anything unusual takes the full open, which
// decides it. The fake's open for reading fails here (the walk's directories are root's, so
// the file is opened by name once fstatat says it is regular, not through O_PATH and a
// reopen), so an entry that reached the full open says so.
TEST(FilePolicyTest, OnlyAFileAlreadyAsWantedIsJudgedWithoutOpeningIt) {
  FakeSysOps sys;
  const FileCaps caps = *FileCaps::FromText("cap_net_raw=p");
  SetCaps(sys.AddFile("/usr/bin/same"), caps);
  sys.AddFile("/usr/bin/none");                   // drift
  SetCaps(sys.AddFile("/usr/bin/linked"), caps);  // a second name
  sys.At("/usr/bin/linked").nlink = 2;
  // A user may write it: an ACL entry rwx, and group bits (the ACL's mask) rwx.
  SetCaps(sys.AddFile("/usr/bin/acl", 0775), caps);
  sys.At("/usr/bin/acl").acl = testing::AclWithEntry(2, 1000, 7);
  SetCaps(sys.AddFile("/usr/bin/suid", 04755), caps);  // the entry wants no set-user-ID bit
  Policy policy;
  for (const char* name : {"same", "none", "linked", "acl", "suid"}) {
    policy.files.push_back(Entry(std::string("/usr/bin/") + name, "cap_net_raw=p"));
  }
  sys.inject = [](std::string_view op) -> std::optional<Status> {
    if (op == "OpenReadable" || op == "Reopen") return Status(Code::kIoError, "opened", EIO);
    return std::nullopt;
  };
  FilePolicyOptions opt;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[0].ok()) << r[0].error.message();
  EXPECT_TRUE(r[0].drift.empty());
  EXPECT_TRUE(r[0].warnings.empty());
  for (size_t i = 1; i < r.size(); ++i) {
    EXPECT_FALSE(r[i].ok()) << r[i].path << " was not opened";
  }
  // Without the fault, the full open decides as it always did.
  sys.inject = nullptr;
  r = ProcessFilePolicy(sys, policy, opt);
  EXPECT_TRUE(r[0].ok() && r[0].drift.empty());
  EXPECT_TRUE(r[1].ok() && !r[1].drift.empty());
  EXPECT_THAT(r[2].error, StatusIs(_, HasSubstr("hard links")));
  EXPECT_THAT(r[3].error, StatusIs(_, HasSubstr("someone other than root")));
  EXPECT_TRUE(r[4].ok() && !r[4].drift.empty());
  // A file this process may not read takes the full open too (which says why it cannot).
  sys.unreadable = true;
  r = ProcessFilePolicy(sys, policy, opt);
  EXPECT_THAT(r[0].error, StatusIs(_, HasSubstr("Permission denied")));
}

TEST(FilePolicyTest, VerifyOnlyChangesNothingAndDryRunSaysWhatWould) {
  FakeSysOps sys;
  sys.AddFile("/bin/ping", 04755);
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  FilePolicyOptions opt;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r[0].drift.size(), 2u);
  EXPECT_EQ(r[0].drift[0].kind, Drift::Kind::kCaps);
  EXPECT_EQ(r[0].drift[1].kind, Drift::Kind::kSetuid);
  EXPECT_FALSE(r[0].changed);
  opt.apply = opt.dry_run = true;
  r = ProcessFilePolicy(sys, policy, opt);
  EXPECT_TRUE(r[0].changed);
  EXPECT_EQ(sys.set_calls, 0);
  EXPECT_TRUE(sys.At("/bin/ping").mode & S_ISUID);
}

TEST(FilePolicyTest, SetuidFallbackOnlyWhereThePolicyAllowsIt) {
  FakeSysOps sys;
  sys.no_xattr_support = true;
  sys.AddFile("/bin/ping", 0755);
  sys.AddFile("/bin/arping", 0755);
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  policy.files[0].fallback = FileEntry::Fallback::kSetuid;
  policy.files[0].package = "iputils-ping";
  policy.files.push_back(Entry("/bin/arping", "cap_net_raw=p"));
  FilePolicyOptions opt;
  opt.apply = true;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_TRUE(r[0].ok()) << r[0].error.message();
  EXPECT_TRUE(r[0].fallback);
  EXPECT_TRUE(sys.At("/bin/ping").mode & S_ISUID);
  ASSERT_FALSE(r[1].ok());
  EXPECT_THAT(r[1].error, StatusIs(_, HasSubstr("fallback is none")));
  EXPECT_FALSE(sys.At("/bin/arping").mode & S_ISUID);
  opt.package = "iputils-ping";
  EXPECT_EQ(ProcessFilePolicy(sys, policy, opt).size(), 1u);
}

TEST(FilePolicyTest, ForeignRootIdIsDrift) {
  FakeSysOps sys;
  FileCaps v3 = *FileCaps::FromText("cap_net_raw=p");
  v3.rootid = 1000;
  SetCaps(sys.AddFile("/bin/ping", 0755), v3);
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, {});
  ASSERT_EQ(r[0].drift.size(), 1u);
  EXPECT_EQ(r[0].drift[0].kind, Drift::Kind::kRootId);
  EXPECT_EQ(r[0].drift[0].have, "rootid=1000");
}

// The record says what capset applied; a path the policy no longer names loses exactly that.
TEST(FilePolicyTest, RemovedEntriesLoseWhatCapsetGaveThemAndNothingElse) {
  FakeSysOps sys;
  sys.AddFile("/bin/ping", 0755);
  sys.AddFile("/bin/mtr", 0755);
  sys.AddFile("/bin/kept", 0755);
  Policy before;
  before.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  before.files.push_back(Entry("/bin/mtr", "cap_net_raw=ep"));
  before.files.push_back(Entry("/bin/kept", "cap_net_admin=p"));
  before.files.push_back(Entry("/bin/gone", "cap_net_raw=p"));
  for (auto& e : before.files) e.package = "pkg";
  FilePolicyOptions opt;
  opt.apply = true;
  AppliedRecord record;
  sys.AddFile("/bin/gone", 0755);
  std::vector<FileResult> r = ProcessFilePolicy(sys, before, opt);
  UpdateAppliedRecord(record, r);
  ASSERT_EQ(record.files.size(), 4u);
  EXPECT_EQ(record.files["/bin/mtr"].caps, "cap_net_raw=ep");
  EXPECT_EQ(record.files["/bin/mtr"].package, "pkg");
  EXPECT_EQ(record.files["/bin/mtr"].source, "p.yaml:1:1");

  // Someone else changes mtr's capabilities; gone's package takes the file away.
  SetCaps(sys.At("/bin/mtr"), *FileCaps::FromText("cap_sys_admin=p"));
  sys.Remove("/bin/gone");
  Policy after;
  after.files.push_back(before.files[2]);  // only /bin/kept is left
  opt.record = &record;

  opt.apply = false;  // verify: the leftovers are drift
  r = ProcessFilePolicy(sys, after, opt);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_FALSE(r[0].removed);
  EXPECT_TRUE(r[0].drift.empty());
  // Removed entries come after the policy's, by path: gone, mtr, ping.
  EXPECT_TRUE(r[1].removed && r[2].removed && r[3].removed);
  EXPECT_EQ(r[1].path, "/bin/gone");
  EXPECT_TRUE(r[1].ok() && r[1].drift.empty());
  EXPECT_TRUE(r[2].drift.empty());
  ASSERT_EQ(r[2].warnings.size(), 1u);
  EXPECT_NE(r[2].warnings[0].find("not the ones capset applied"), std::string::npos);
  ASSERT_EQ(r[3].drift.size(), 1u);
  EXPECT_EQ(r[3].drift[0].have, "cap_net_raw=p");
  EXPECT_EQ(r[3].drift[0].want, "");
  EXPECT_EQ(r[3].entry->package, "pkg");

  opt.apply = true;
  r = ProcessFilePolicy(sys, after, opt);
  EXPECT_TRUE(r[3].changed);
  EXPECT_FALSE(CapsOf(sys.At("/bin/ping")).has_value());
  EXPECT_EQ(CapsOf(sys.At("/bin/mtr"))->ToText(), "cap_sys_admin=p");  // not capset's
  EXPECT_EQ(CapsOf(sys.At("/bin/kept"))->ToText(), "cap_net_admin=p");
  UpdateAppliedRecord(record, r);
  ASSERT_EQ(record.files.size(), 1u);
  EXPECT_TRUE(record.files.count("/bin/kept"));
}

// capsetd's Apply with nothing to write: a quick dry run opens no file it would change, and
// an apply writes nothing only when the record already says what it would record.
TEST(FilePolicyTest, AQuickCheckOpensNothingAndANoOpNeedsTheRecordToHold) {
  FakeSysOps sys;
  sys.AddFile("/bin/a", 0755);
  sys.AddFile("/bin/b", 0755);
  Policy policy;
  policy.files.push_back(Entry("/bin/a", "cap_net_raw=p"));
  policy.files.push_back(Entry("/bin/b", "cap_net_admin=p"));
  policy.files[1].package = "pkg";
  FilePolicyOptions quick;
  quick.apply = true;
  quick.dry_run = true;
  quick.quick_check = true;
  int opens = 0;  // of anything: the walk to /bin opens as many each time
  sys.inject = [&](std::string_view op) -> std::optional<Status> {
    opens += op == "OpenAt" || op == "OpenBeneath" || op == "OpenReadable" || op == "Reopen";
    return std::nullopt;
  };
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, quick);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_TRUE(r[0].ok() && r[0].changed && r[1].changed);
  const int walk_opens = opens;
  EXPECT_FALSE(CapsOf(sys.At("/bin/a")).has_value());

  // Without dry_run the flag changes nothing: the apply opens both files and writes.
  FilePolicyOptions apply = quick;
  apply.dry_run = false;
  AppliedRecord record;
  opens = 0;
  r = ProcessFilePolicy(sys, policy, apply);
  EXPECT_GE(opens, walk_opens + 2);
  EXPECT_EQ(CapsOf(sys.At("/bin/b"))->ToText(), "cap_net_admin=p");
  ASSERT_TRUE(UpdateAppliedRecord(record, r));
  EXPECT_TRUE(AppliedRecordHolds(record, r));

  quick.record = &record;
  opens = 0;
  r = ProcessFilePolicy(sys, policy, quick);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].changed || r[1].changed);
  EXPECT_EQ(opens, walk_opens);  // files not as wanted were not opened by the first check
  EXPECT_TRUE(AppliedRecordHolds(record, r));
  // A record that lacks an entry, or names another package, or a source elsewhere, does not.
  AppliedRecord stale = record;
  stale.files.erase("/bin/a");
  EXPECT_FALSE(AppliedRecordHolds(stale, r));
  stale = record;
  stale.files["/bin/b"].package = "other";
  EXPECT_FALSE(AppliedRecordHolds(stale, r));
  stale = record;
  stale.files["/bin/b"].source = "q.yaml:1:1";
  EXPECT_FALSE(AppliedRecordHolds(stale, r));
  stale = record;
  stale.files["/bin/b"].caps = "cap_net_raw=p";
  EXPECT_FALSE(AppliedRecordHolds(stale, r));
  // An entry the policy no longer names is removed: the quick check opens nothing for it.
  AppliedRecord more = record;
  more.files["/bin/gone"] = {"/bin/gone", "cap_net_raw=p", false, "", "p.yaml:9:1"};
  quick.record = &more;
  sys.AddFile("/bin/gone", 0755);
  opens = 0;
  r = ProcessFilePolicy(sys, policy, quick);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(r[2].removed && r[2].changed);
  EXPECT_EQ(opens, walk_opens);
  EXPECT_FALSE(AppliedRecordHolds(more, r));
}

// DryRunWritesNothing: only a clean, settled run with a readable record that holds.
TEST(FilePolicyTest, ADryRunWritesNothingOnlyWhenEverythingIsInPlace) {
  FakeSysOps sys;
  sys.AddFile("/bin/a", 0755);
  SetCaps(sys.At("/bin/a"), *FileCaps::FromText("cap_net_raw=p"));
  auto loaded = std::make_shared<LoadedPolicy>();
  loaded->policy.files.push_back(Entry("/bin/a", "cap_net_raw=p"));
  RecordSnapshot snapshot;
  snapshot.path = "/var/lib/capset/applied-files.json";
  snapshot.record.emplace();
  FilePolicyOptions opt;
  opt.apply = true;
  opt.dry_run = true;
  opt.quick_check = true;
  opt.record = &*snapshot.record;
  PolicyTreeRun tree;
  tree.loaded = loaded;
  tree.run.results = ProcessFilePolicy(sys, loaded->policy, opt);
  EXPECT_FALSE(DryRunWritesNothing(tree, snapshot));  // not recorded yet
  ASSERT_TRUE(UpdateAppliedRecord(*snapshot.record, tree.run.results));
  EXPECT_TRUE(DryRunWritesNothing(tree, snapshot));

  PolicyTreeRun t = tree;
  auto unsettled = std::make_shared<LoadedPolicy>(*loaded);
  unsettled->unsettled.push_back("p.yaml");
  t.loaded = unsettled;
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  t = tree;
  t.run.results[0].warnings.push_back("a hard link");
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  t = tree;
  t.run.results[0].error = Status(Code::kIoError, "gone");
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  t = tree;
  t.run.record_status = Status(Code::kIoError, "unreadable");
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  RecordSnapshot unread = snapshot;
  unread.record.reset();
  EXPECT_FALSE(DryRunWritesNothing(tree, unread));
  t = tree;
  t.waited = true;
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  t = tree;
  t.run.removals_skipped = true;
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  t = tree;
  auto broken = std::make_shared<LoadedPolicy>(*loaded);
  broken->diagnostics.push_back(
      {Diagnostic::Severity::kError, {"q.yaml", 1, 1}, "expected a mapping"});
  ASSERT_FALSE(broken->ok());
  t.loaded = broken;
  EXPECT_FALSE(DryRunWritesNothing(t, snapshot));
  for (bool removed : {true, false}) {
    t = tree;
    (removed ? t.run.results[0].removed : t.run.results[0].deferred) = true;
    EXPECT_FALSE(DryRunWritesNothing(t, snapshot)) << (removed ? "removed" : "deferred");
  }
  RecordSnapshot failed = snapshot;
  failed.status = Status(Code::kIoError, "unreadable");
  EXPECT_FALSE(DryRunWritesNothing(tree, failed));
  SetCaps(sys.At("/bin/a"), *FileCaps::FromText("cap_net_raw=ep"));  // drift
  tree.run.results = ProcessFilePolicy(sys, loaded->policy, opt);
  EXPECT_FALSE(DryRunWritesNothing(tree, snapshot));
}

TEST(FilePolicyTest, RemovedSetuidFallbackLosesTheBitOnlyWhileRootOwnsTheFile) {
  FakeSysOps sys;
  sys.no_xattr_support = true;
  sys.AddFile("/bin/ping", 0755);
  sys.AddFile("/bin/arping", 0755);
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  policy.files.push_back(Entry("/bin/arping", "cap_net_raw=p"));
  for (auto& e : policy.files) e.fallback = FileEntry::Fallback::kSetuid;
  FilePolicyOptions opt;
  opt.apply = true;
  AppliedRecord record;
  UpdateAppliedRecord(record, ProcessFilePolicy(sys, policy, opt));
  EXPECT_TRUE(record.files["/bin/ping"].setuid);
  EXPECT_EQ(record.files["/bin/ping"].caps, "");
  ASSERT_TRUE(sys.At("/bin/ping").mode & S_ISUID);
  sys.At("/bin/arping").uid = 1000;  // handed to someone else since

  opt.record = &record;
  const std::vector<FileResult> r = ProcessFilePolicy(sys, Policy{}, opt);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].path, "/bin/arping");
  ASSERT_FALSE(r[0].ok());
  EXPECT_THAT(r[0].error, StatusIs(_, HasSubstr("owned by a non-root user")));
  EXPECT_TRUE(sys.At("/bin/arping").mode & S_ISUID);
  EXPECT_TRUE(r[1].changed);
  EXPECT_EQ(sys.At("/bin/ping").mode & 07777, 0755u);
  UpdateAppliedRecord(record, r);
  EXPECT_EQ(record.files.count("/bin/arping"), 1u);  // kept until someone looks
  EXPECT_EQ(record.files.count("/bin/ping"), 0u);
}

TEST(FilePolicyTest, RemovedEntriesOfOtherPackagesAreLeftForTheirOwnRun) {
  FakeSysOps sys;
  sys.AddFile("/bin/a", 0755);
  sys.AddFile("/bin/b", 0755);
  Policy policy;
  policy.files.push_back(Entry("/bin/a", "cap_net_raw=p"));
  policy.files.push_back(Entry("/bin/b", "cap_net_raw=p"));
  policy.files[0].package = "a";
  policy.files[1].package = "b";
  FilePolicyOptions opt;
  opt.apply = true;
  AppliedRecord record;
  UpdateAppliedRecord(record, ProcessFilePolicy(sys, policy, opt));
  opt.record = &record;
  opt.package = "a";
  const std::vector<FileResult> r = ProcessFilePolicy(sys, Policy{}, opt);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].path, "/bin/a");
  EXPECT_TRUE(r[0].changed);
  EXPECT_TRUE(CapsOf(sys.At("/bin/b")).has_value());
}

TEST(FilePolicyTest, AFailedEntryKeepsItsRecord) {
  FakeSysOps sys;
  sys.AddFile("/bin/a", 0755);
  Policy policy;
  policy.files.push_back(Entry("/bin/a", "cap_net_raw=p"));
  policy.files.push_back(Entry("/bin/missing", "cap_net_raw=p"));
  FilePolicyOptions opt;
  opt.apply = true;
  AppliedRecord record;
  record.files["/bin/missing"] = {"/bin/missing", "cap_net_admin=p", false, "", "old.yaml:1:1"};
  const std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_FALSE(r[1].ok());
  UpdateAppliedRecord(record, r);
  EXPECT_EQ(record.files["/bin/missing"].caps, "cap_net_admin=p");
  EXPECT_EQ(record.files["/bin/a"].caps, "cap_net_raw=p");
}

// capsetd shares one read of the record between the calls that write nothing (a Verify, a
// dry run); an apply reads it itself, under the writers' lock, and never takes the shared one.
TEST(FilePolicyTest, OnlyRunsThatWriteNothingTakeTheSharedRecord) {
  FakeSysOps sys;
  sys.AddFile("/usr/bin/ping");
  sys.AddDir("/var/lib/capset");
  auto loaded = std::make_shared<LoadedPolicy>();
  loaded->policy.files.push_back(Entry("/usr/bin/ping", "cap_net_raw=p"));
  const PolicyLoader load = [&] { return std::shared_ptr<const LoadedPolicy>(loaded); };
  int asked = 0;
  const RecordSource shared = [&] {
    ++asked;
    auto snapshot = std::make_shared<RecordSnapshot>();
    snapshot->path = "the shared one";
    snapshot->record.emplace();
    return std::shared_ptr<const RecordSnapshot>(snapshot);
  };
  FilePolicyOptions verify;
  PolicyTreeRun r = RunPolicyTree(sys, load, verify, /*read_record_alongside=*/false, shared);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(r.run.record_path, "the shared one");
  FilePolicyOptions dry_run;
  dry_run.apply = dry_run.dry_run = true;
  r = RunPolicyTree(sys, load, dry_run, false, shared);
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(r.run.record_path, "the shared one");
  EXPECT_EQ(CapsOf(sys.At("/usr/bin/ping")), std::nullopt);
  FilePolicyOptions apply;
  apply.apply = true;
  r = RunPolicyTree(sys, load, apply, false, shared);
  EXPECT_EQ(asked, 2) << "an apply took the shared record";
  EXPECT_EQ(r.run.record_path, "/var/lib/capset/applied-files.json");
  EXPECT_TRUE(r.run.record_status.ok()) << r.run.record_status.message();
  EXPECT_EQ(CapsOf(sys.At("/usr/bin/ping")), FileCaps::FromText("cap_net_raw=p").value());
}

// beside_record (capctl prints the report there while the record is saved) is called once with
// every result; SECURITY: if it throws, the record of what the run changed is saved all the
// same, and the exception reaches the caller only after that.
TEST(FilePolicyTest, TheRecordIsSavedWhateverBesideRecordDoes) {
  FakeSysOps sys;
  sys.AddFile("/usr/bin/ping");
  sys.AddFile("/usr/bin/mtr");
  sys.AddDir("/var/lib/capset");
  auto loaded = std::make_shared<LoadedPolicy>();
  loaded->policy.files.push_back(Entry("/usr/bin/ping", "cap_net_raw=p"));
  const PolicyLoader load = [&] { return std::shared_ptr<const LoadedPolicy>(loaded); };
  const std::string record = "/var/lib/capset/applied-files.json";
  FilePolicyOptions apply;
  apply.apply = true;
  int calls = 0;
  size_t seen = 0;
  apply.beside_record = [&](const std::vector<FileResult>& results) {
    ++calls;
    seen = results.size();
  };
  PolicyTreeRun r = RunPolicyTree(sys, load, apply, false, nullptr);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, 1u);
  EXPECT_TRUE(r.run.record_status.ok()) << r.run.record_status.message();
  EXPECT_NE(sys.At(record).content.find("/usr/bin/ping"), std::string::npos);

  loaded->policy.files.push_back(Entry("/usr/bin/mtr", "cap_net_raw=p"));
  apply.beside_record = [&](const std::vector<FileResult>&) {
    throw std::runtime_error("the report could not be printed");
  };
  EXPECT_THROW(RunPolicyTree(sys, load, apply, false, nullptr), std::runtime_error);
  EXPECT_EQ(CapsOf(sys.At("/usr/bin/mtr")), FileCaps::FromText("cap_net_raw=p").value());
  EXPECT_NE(sys.At(record).content.find("/usr/bin/mtr"), std::string::npos)
      << "a file was changed and the record forgot it";
}

// Regression: the end state was judged with the ACL's mask as it is, but the chmod to the
// entry's mode sets the mask to the new group bits: user:1000:rwx under mask::r-x writes the
// file once it is 0775, and the file would carry capabilities.
TEST(FilePolicyTest, AnAclEntryTheNewModeUnmasksIsRefused) {
  FakeSysOps sys;
  sys.AddFile("/usr/bin/tool", 0755);
  sys.At("/usr/bin/tool").acl = testing::AclWithEntry(2, 1000, 7, /*mask=*/5);
  Policy policy;
  policy.files.push_back(Entry("/usr/bin/tool", "cap_net_raw=p"));
  FilePolicyOptions opt;
  opt.apply = true;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].ok()) << "0755: the mask keeps user 1000 from writing";
  policy.files[0].mode = 0775;
  sys.At("/usr/bin/tool").xattr.reset();
  r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_THAT(r[0].error, StatusIs(Code::kUnsafe, HasSubstr("writable by user 1000")))
      << r[0].error.message();
  EXPECT_EQ(CapsOf(sys.At("/usr/bin/tool")), std::nullopt) << "capabilities were written";
  EXPECT_EQ(sys.At("/usr/bin/tool").mode & 07777, 0755u);
}

// Issue 17 (review): the files that get capabilities have their ACL read whatever their mode
// (an image made offline can hold a named entry without a mask, which writes whatever the
// mode says), and one that cannot be read refuses the file: fail closed, on the no-op path
// (AlreadyAsWanted) as on the full open.
TEST(FilePolicyTest, AnAclThatCannotBeReadRefusesTheFileWhateverItsMode) {
  FakeSysOps sys;
  sys.AddFile("/usr/bin/tool", 0755);
  sys.AddFile("/usr/bin/done", 0755);
  SetCaps(sys.At("/usr/bin/done"), *FileCaps::FromText("cap_net_raw=p"));
  sys.inject = [&](std::string_view op) -> std::optional<Status> {
    if (op != "GetAclXattr" && op != "GetAclXattrAt") return std::nullopt;
    return Status(Code::kIoError, "Input/output error", EIO);
  };
  Policy policy;
  policy.files.push_back(Entry("/usr/bin/tool", "cap_net_raw=p"));
  policy.files.push_back(Entry("/usr/bin/done", "cap_net_raw=p"));
  FilePolicyOptions opt;
  opt.apply = true;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 2u);
  for (const FileResult& one : r) {
    EXPECT_THAT(one.error, StatusIs(Code::kUnsafe, HasSubstr("ACL that cannot be read")))
        << one.path << ": " << one.error.message();
  }
  EXPECT_EQ(CapsOf(sys.At("/usr/bin/tool")), std::nullopt) << "capabilities were written";
}

// Applies a policy of one entry; its error (or one saying it did not give one result).
Status ApplyTheOneEntry(FakeSysOps& sys, const Policy& policy) {
  FilePolicyOptions opt;
  opt.apply = true;
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  if (r.size() != 1) return Status(Code::kIoError, "not one result");
  return r[0].error;
}

// In a directory only root can change, the capabilities AlreadyAsWanted read by name are used
// by the full open that follows instead of a second read: they decide what apply writes, and
// what it then leaves is read back from the descriptor, whether it changed the mode or not.
// Should the capabilities go meanwhile (root racing the apply, or a write to the file), the
// entry fails; it is never reported as done from what was read before.
TEST(FilePolicyTest, WhatApplyChangedIsReadBackNotTakenFromTheReadBefore) {
  struct Case {
    const char* what;
    const char* caps;              // the file's before the apply
    std::optional<unsigned> mode;  // the entry's
    const char* gone_after;        // the call after which the capabilities go
  };
  for (const Case& c :
       {Case{"the mode changed, the capabilities right", "cap_net_raw=p", 0750u, "GetCapXattrAt"},
        Case{"the capabilities written, the mode kept", "cap_net_admin=p", {}, "SetCapXattr"}}) {
    SCOPED_TRACE(c.what);
    FakeSysOps sys;
    SetCaps(sys.AddFile("/usr/bin/tool", 0755), *FileCaps::FromText(c.caps));
    Policy policy;
    policy.files.push_back(Entry("/usr/bin/tool", "cap_net_raw=p"));
    policy.files[0].mode = c.mode;
    bool armed = false;
    int reads_by_fd = 0;
    sys.inject = [&](std::string_view op) -> std::optional<Status> {
      if (armed) sys.At("/usr/bin/tool").xattr.reset();
      armed = armed || op == c.gone_after;
      reads_by_fd += op == "GetCapXattr";
      return std::nullopt;
    };
    const Status error = ApplyTheOneEntry(sys, policy);
    EXPECT_THAT(error, StatusIs(_, HasSubstr("still differs after applying: caps none")))
        << error.message();
    EXPECT_EQ(reads_by_fd, 1) << "read by name before the changes, by descriptor after them";
  }
}

// Where someone but root may write the file (the trust rule lets group 0), its mode is read
// back even when apply did not change it: their write clears the set-user-ID bit of the
// setuid fallback.
TEST(FilePolicyTest, AFileGroupZeroMayWriteHasItsModeReadBack) {
  FakeSysOps sys;
  sys.no_xattr_support = true;
  sys.AddFile("/bin/ping", 04775);  // already set-user-ID root: nothing to chmod
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  policy.files[0].fallback = FileEntry::Fallback::kSetuid;
  // The write that probes for capabilities is where a group-0 write lands.
  sys.inject = [&](std::string_view op) -> std::optional<Status> {
    if (op == "SetCapXattr") sys.At("/bin/ping").mode &= ~static_cast<mode_t>(S_ISUID);
    return std::nullopt;
  };
  const Status error = ApplyTheOneEntry(sys, policy);
  EXPECT_THAT(error, StatusIs(_, HasSubstr("still differs after applying: setuid unset")))
      << error.message();
}

// on_result (capctl's journal messages as the changes are made) sees every result, the
// removed entries' too, once each and as ProcessFilePolicy returns it; many entries run on
// more than one thread, so it is called concurrently.
TEST(FilePolicyTest, EveryResultIsHandedOverOnceAsItIsReturned) {
  FakeSysOps sys;
  Policy policy;
  for (int i = 0; i < 300; ++i) {
    const std::string path = "/bin/tool" + std::to_string(i);
    sys.AddFile(path, i % 7 == 0 ? 0777 : 0755);  // every seventh refused: others may write it
    policy.files.push_back(Entry(path, "cap_net_raw=p"));
  }
  AppliedRecord record;
  record.files["/bin/old"] = AppliedFile{"/bin/old", "cap_net_raw=p", false, "pkg", "p.yaml:1:1"};
  FilePolicyOptions opt;
  opt.apply = true;
  opt.record = &record;
  std::mutex mu;
  std::map<std::string, std::pair<int, std::string>> seen;  // path: times, what it said
  opt.on_result = [&](const FileResult& r) {
    const std::lock_guard<std::mutex> lock(mu);
    auto& [times, said] = seen[r.path];
    ++times;
    said = r.ok() ? (r.changed ? "changed" : "ok") : r.error.message();
  };
  const std::vector<FileResult> r = ProcessFilePolicy(sys, policy, opt);
  ASSERT_EQ(r.size(), 301u);
  ASSERT_EQ(seen.size(), r.size());
  for (const FileResult& one : r) {
    ASSERT_TRUE(seen.count(one.path)) << one.path;
    EXPECT_EQ(seen[one.path].first, 1) << one.path;
    EXPECT_EQ(seen[one.path].second,
              one.ok() ? (one.changed ? "changed" : "ok") : one.error.message());
  }
  EXPECT_TRUE(r.back().removed);
  EXPECT_FALSE(r[0].ok());
  EXPECT_TRUE(r[1].ok() && r[1].changed);
}

}  // namespace
}  // namespace capset
