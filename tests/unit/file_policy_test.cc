// The files: section's apply/verify logic against the in-memory filesystem: the order of the
// changes (a chown clears capabilities and the set-user-ID bit, as in the kernel), the setuid
// fallback, and idempotence.
#include "capset/file_policy.h"

#include <gtest/gtest.h>

#include "capset/vfs_cap.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using testing::FakeSysOps;

FileEntry Entry(const std::string& path, const std::string& caps) {
  FileEntry e;
  e.path = path;
  e.caps = *FileCaps::FromText(caps);
  e.caps_text = caps;
  e.where = {"p.yaml", 1, 1};
  return e;
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
  EXPECT_NE(r[1].error.message().find("fallback is none"), std::string::npos);
  EXPECT_FALSE(sys.At("/bin/arping").mode & S_ISUID);
  opt.package = "iputils-ping";
  EXPECT_EQ(ProcessFilePolicy(sys, policy, opt).size(), 1u);
}

TEST(FilePolicyTest, ForeignRootIdIsDrift) {
  FakeSysOps sys;
  FakeSysOps::Node& n = sys.AddFile("/bin/ping", 0755);
  FileCaps v3 = *FileCaps::FromText("cap_net_raw=p");
  v3.rootid = 1000;
  const VfsCapBytes bytes = EncodeVfsCap(v3);
  n.xattr.emplace();
  std::copy(bytes.data.begin(), bytes.data.begin() + static_cast<long>(bytes.size),
            n.xattr->data.begin());
  n.xattr->size = bytes.size;
  Policy policy;
  policy.files.push_back(Entry("/bin/ping", "cap_net_raw=p"));
  std::vector<FileResult> r = ProcessFilePolicy(sys, policy, {});
  ASSERT_EQ(r[0].drift.size(), 1u);
  EXPECT_EQ(r[0].drift[0].kind, Drift::Kind::kRootId);
  EXPECT_EQ(r[0].drift[0].have, "rootid=1000");
}

}  // namespace
}  // namespace capset
