// SPDX-License-Identifier: LGPL-2.1-or-later
// The layered loader on the fake filesystem: precedence and masks, broken files, and the
// trust rule and consistent reads for every policy directory and file (issue 11).
#include "capset/policy_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "fakes/acl_bytes.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using testing::AclWithEntry;
using testing::FakeSysOps;

std::vector<std::string> Messages(const std::vector<Diagnostic>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.ToString());
  return out;
}

bool HasMessage(const std::vector<Diagnostic>& d, const std::string& part) {
  for (const auto& m : Messages(d)) {
    if (m.find(part) != std::string::npos) return true;
  }
  return false;
}

class PolicyTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& d : PolicyDirectories()) sys_.AddDir(kRoot + d);
  }
  FakeSysOps::Node& Write(const std::string& rel, const std::string& text) {
    return sys_.AddTextFile(kRoot + rel, text);
  }
  LoadedPolicy Load(const PolicyLoadOptions& options = {}) {
    return LoadPolicyTree(sys_, kRoot, options);
  }
  const std::string kRoot = "/img";
  FakeSysOps sys_;
};

constexpr const char kEvil[] =
    "capsetd:\n  allow:\n    - user: '4242'\n      actions: [apply]\n"
    "files:\n  - path: /usr/bin/vim\n    caps: cap_sys_admin=ep\n";

TEST_F(PolicyTreeTest, EtcOverridesUsrLibAndDevNullMasks) {
  Write("/usr/lib/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: vendor\n");
  Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: admin\n");
  Write("/usr/lib/capset/policy.d/b.yaml", "services:\n  b.service:\n    user: b\n");
  Write("/run/capset/policy.d/c.yaml", "services:\n  c.service:\n    user: c\n");
  sys_.AddSymlink(kRoot + "/etc/capset/policy.d/b.yaml", "/dev/null");
  LoadedPolicy p = Load();
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  ASSERT_EQ(p.policy.services.size(), 2u);
  EXPECT_EQ(p.policy.services[0].name, "a.service");
  EXPECT_EQ(*p.policy.services[0].user, "admin");
  EXPECT_EQ(p.policy.services[1].name, "c.service");
  EXPECT_EQ(p.policy.sources[0], "/img/etc/capset/policy.d/a.yaml");
}

TEST_F(PolicyTreeTest, StagedFilesStandInForTheAdministratorsFile) {
  Write("/usr/lib/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: vendor\n");
  Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: admin\n");
  Write("/etc/capset/policy.d/b.yaml", "services:\n  b.service:\n    user: b\n");
  sys_.AddTextFile("/staged/b.yaml", "services:\n  b.service:\n    user: staged\n");
  sys_.AddTextFile("/staged/new.yaml", "services:\n  n.service:\n    user: new\n");
  PolicyLoadOptions o;
  o.staged = {{"a.yaml", ""}, {"b.yaml", "/staged/b.yaml"}, {"new.yaml", "/staged/new.yaml"}};
  LoadedPolicy p = LoadPolicyTree(sys_, kRoot, o);
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  ASSERT_EQ(p.policy.services.size(), 3u);
  // a.yaml "removed" from /etc: the vendor's shows through; b.yaml replaced; new.yaml added.
  EXPECT_EQ(*p.policy.services[0].user, "vendor");
  EXPECT_EQ(*p.policy.services[1].user, "staged");
  EXPECT_EQ(*p.policy.services[2].user, "new");
  // The staged file is read by the same trust rule: one a user could write grants nothing.
  sys_.AddTextFile("/staged/evil.yaml", kEvil).uid = 4242;
  o.staged = {{"evil.yaml", "/staged/evil.yaml"}};
  p = LoadPolicyTree(sys_, kRoot, o);
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.policy.files.empty());
}

TEST_F(PolicyTreeTest, BrokenFileIsSkippedWholeAndDuplicatesAcrossFilesReported) {
  Write("/usr/lib/capset/policy.d/10-good.yaml", "services:\n  a.service:\n    user: a\n");
  Write("/usr/lib/capset/policy.d/20-bad.yaml",
        "services:\n  b.service:\n    user: b\n  c.service:\n    bogus: 1\n");
  Write("/usr/lib/capset/policy.d/30-dup.yaml", "services:\n  a.service:\n    user: again\n");
  LoadedPolicy p = Load();
  EXPECT_FALSE(p.ok());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_NE(p.skipped[0].find("20-bad.yaml"), std::string::npos);
  ASSERT_EQ(p.policy.services.size(), 1u);  // b.service went with its broken file
  EXPECT_EQ(*p.policy.services[0].user, "a");
  EXPECT_TRUE(HasMessage(p.diagnostics,
                         "30-dup.yaml:2:3: error: service 'a.service' is already "
                         "defined at"))
      << ::testing::PrintToString(Messages(p.diagnostics));
}

// Issue 17: in policy directories only root can change, a policy file is opened by name once
// fstatat says it is regular (no O_PATH open and reopen). Still, a FIFO is never opened, a
// file swapped between the stat and the open is refused before anything is read, and only
// the file swapped is skipped.
TEST_F(PolicyTreeTest, ARootOnlyPolicyDirectoryIsReadByNameButNeverOpensAFifo) {
  Write("/usr/lib/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n");
  int readable_opens = 0, reopens = 0, reads = 0;
  sys_.inject = [&](std::string_view op) -> std::optional<Status> {
    readable_opens += op == "OpenReadable";
    reopens += op == "Reopen";
    reads += op == "ReadContent";
    return std::nullopt;
  };
  LoadedPolicy p = Load();
  ASSERT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_EQ(p.policy.services.size(), 1u);
  EXPECT_EQ(readable_opens, 1);
  EXPECT_EQ(reopens, 0) << "the O_PATH open and reopen, where fstatat suffices";

  sys_.AddFifo(kRoot + "/fifo");
  sys_.swap_on_reopen = sys_.Shared(kRoot + "/fifo");
  readable_opens = reads = 0;
  p = Load();
  EXPECT_TRUE(HasMessage(p.diagnostics, "changed while it was being opened"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_TRUE(p.policy.services.empty());
  EXPECT_EQ(reads, 0) << "what was swapped in was read";
  sys_.swap_on_reopen = nullptr;

  sys_.Remove(kRoot + "/usr/lib/capset/policy.d/a.yaml");
  sys_.AddFifo(kRoot + "/usr/lib/capset/policy.d/a.yaml");
  readable_opens = reads = 0;
  p = Load();
  EXPECT_TRUE(HasMessage(p.diagnostics, "a FIFO, not a regular file"))
      << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_EQ(readable_opens, 0) << "the FIFO was opened";
  EXPECT_EQ(reads, 0);
}

TEST_F(PolicyTreeTest, AFileEntryOfAnEarlierFileIsNotDefinedAgain) {
  // The first file's entries are taken whole; each later one is checked against all before.
  Write("/usr/lib/capset/policy.d/10-a.yaml",
        "files:\n  - {path: /usr/bin/x, caps: cap_net_raw=p}\n"
        "  - {path: /usr/bin/y, caps: cap_net_raw=p}\n");
  Write("/usr/lib/capset/policy.d/15-empty.yaml", "");
  Write("/usr/lib/capset/policy.d/20-b.yaml",
        "files:\n  - {path: /usr/bin/y, caps: cap_chown=p}\n"
        "  - {path: /usr/bin/z, caps: cap_net_raw=p}\n");
  Write("/usr/lib/capset/policy.d/30-c.yaml",
        "files:\n  - {path: /usr/bin/z, caps: cap_chown=p}\n"
        "  - {path: /usr/bin/x, caps: cap_chown=p}\n  - {path: /usr/bin/w, caps: cap_chown=p}\n");
  LoadedPolicy p = Load();
  EXPECT_FALSE(p.ok());
  std::vector<std::string> kept;
  for (const FileEntry& f : p.policy.files) kept.push_back(f.path + " " + f.caps_text);
  EXPECT_EQ(kept, (std::vector<std::string>{"/usr/bin/x cap_net_raw=p", "/usr/bin/y cap_net_raw=p",
                                            "/usr/bin/z cap_net_raw=p", "/usr/bin/w cap_chown=p"}));
  const std::string dir = "/img/usr/lib/capset/policy.d/";
  for (const std::string& m :
       {dir + "20-b.yaml:2:5: error: file entry '/usr/bin/y' is already defined at " + dir +
            "10-a.yaml:3:5, ignoring this one",
        dir + "30-c.yaml:2:5: error: file entry '/usr/bin/z' is already defined at " + dir +
            "20-b.yaml:3:5, ignoring this one",
        dir + "30-c.yaml:3:5: error: file entry '/usr/bin/x' is already defined at " + dir +
            "10-a.yaml:2:5, ignoring this one"}) {
    EXPECT_TRUE(HasMessage(p.diagnostics, m)) << m << "\n"
                                              << ::testing::PrintToString(Messages(p.diagnostics));
  }
  EXPECT_EQ(p.diagnostics.size(), 3u) << ::testing::PrintToString(Messages(p.diagnostics));
}

TEST_F(PolicyTreeTest, SerialAndParallelLoadsAgree) {
  for (int i = 0; i < 40; ++i) {
    Write("/usr/lib/capset/policy.d/" + std::to_string(100 + i) + ".yaml",
          "services:\n  s" + std::to_string(i) + ".service:\n    user: u\n");
  }
  PolicyLoadOptions serial;
  serial.parallel = false;
  const LoadedPolicy a = Load(), b = Load(serial);
  ASSERT_EQ(a.policy.services.size(), 40u);
  ASSERT_EQ(b.policy.services.size(), 40u);
  for (size_t i = 0; i < 40; ++i) EXPECT_EQ(a.policy.services[i].name, b.policy.services[i].name);
}

// Every way someone other than root could have written a policy file: nothing of it is used.
struct Untrusted {
  const char* name;
  std::function<void(FakeSysOps&, const std::string& file)> make;
  const char* message;
};

class UntrustedPolicyTest : public PolicyTreeTest,
                            public ::testing::WithParamInterface<Untrusted> {};

TEST_P(UntrustedPolicyTest, GrantsNothing) {
  Write("/usr/lib/capset/policy.d/10-good.yaml", "services:\n  a.service:\n    user: a\n");
  const std::string file = kRoot + "/etc/capset/policy.d/50-evil.yaml";
  sys_.AddTextFile(file, kEvil);
  GetParam().make(sys_, file);
  LoadedPolicy p = Load();
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.policy.files.empty());
  EXPECT_TRUE(p.policy.capsetd_allow.empty());
  EXPECT_TRUE(HasMessage(p.diagnostics, GetParam().message))
      << ::testing::PrintToString(Messages(p.diagnostics));
}

std::string Parent(const std::string& path) { return path.substr(0, path.rfind('/')); }

INSTANTIATE_TEST_SUITE_P(
    EveryKind, UntrustedPolicyTest,
    ::testing::Values(
        Untrusted{"WorldWritable",
                  [](FakeSysOps& s, const std::string& f) { s.At(f).mode = S_IFREG | 0666; },
                  "is writable by everyone"},
        Untrusted{"OwnedByUser", [](FakeSysOps& s, const std::string& f) { s.At(f).uid = 4242; },
                  "is owned by a non-root user"},
        Untrusted{"GroupWritableByUserGroup",
                  [](FakeSysOps& s, const std::string& f) {
                    s.At(f).mode = S_IFREG | 0664;
                    s.At(f).gid = 100;
                  },
                  "writable by a non-root group"},
        Untrusted{"AclUserWrite",
                  [](FakeSysOps& s, const std::string& f) {
                    s.At(f).mode = S_IFREG | 0664;  // the mask shows as the group bits
                    s.At(f).acl = AclWithEntry(2, 4242, 6);
                  },
                  "is writable by user 4242 through its POSIX ACL"},
        Untrusted{"AclGroupWrite",
                  [](FakeSysOps& s, const std::string& f) {
                    s.At(f).mode = S_IFREG | 0664;
                    s.At(f).acl = AclWithEntry(8, 100, 6);
                  },
                  "is writable by group 100 through its POSIX ACL"},
        Untrusted{"MalformedAcl",
                  [](FakeSysOps& s, const std::string& f) { s.At(f).acl = std::string("\2"); },
                  "capset cannot read"},
        Untrusted{"DirectoryOwnedByUser",
                  [](FakeSysOps& s, const std::string& f) { s.At(Parent(f)).uid = 4242; },
                  "no policy file in it is read"},
        Untrusted{"DirectoryWithAclWrite",
                  [](FakeSysOps& s, const std::string& f) {
                    s.At(Parent(f)).mode = S_IFDIR | 0775;
                    s.At(Parent(f)).acl = AclWithEntry(2, 4242, 7);
                  },
                  "user 4242 through its POSIX ACL"},
        Untrusted{
            "AncestorWorldWritable",
            [](FakeSysOps& s, const std::string&) { s.At("/img/etc").mode = S_IFDIR | 01777; },
            "directory '/img/etc' is writable by everyone"},
        Untrusted{"RootOfImageOwnedByUser",
                  [](FakeSysOps& s, const std::string&) { s.At("/img").uid = 4242; },
                  "directory '/img' is owned by a non-root user"},
        Untrusted{"Symlink",
                  [](FakeSysOps& s, const std::string& f) {
                    s.Remove(f);
                    s.AddTextFile("/home/u/evil.yaml", kEvil, 0644, 0);
                    s.AddSymlink(f, "/home/u/evil.yaml");
                  },
                  "is a symbolic link"},
        Untrusted{"Fifo",
                  [](FakeSysOps& s, const std::string& f) {
                    s.Remove(f);
                    s.AddFifo(f);
                  },
                  "a FIFO, not a regular file"},
        Untrusted{"ChangedWhileRead",
                  [](FakeSysOps& s, const std::string&) {
                    s.after_read = [](FakeSysOps::Node& n) {
                      if (n.content == kEvil) n.mtime += 1;
                    };
                  },
                  "changed while it was read"},
        Untrusted{"ShorterThanItsSize",
                  [](FakeSysOps& s, const std::string&) {
                    s.after_read = [](FakeSysOps::Node& n) {
                      if (n.content == kEvil) n.content += "# more";
                    };
                  },
                  "changed while it was read"}),
    [](const ::testing::TestParamInfo<Untrusted>& i) { return std::string(i.param.name); });

TEST_F(PolicyTreeTest, ReportModeWarnsButReads) {
  Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n").uid = 4242;
  PolicyLoadOptions lint;
  lint.trust = TrustMode::kReport;
  LoadedPolicy p = Load(lint);
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_EQ(p.policy.services.size(), 1u);
  EXPECT_TRUE(HasMessage(p.diagnostics, "warning: the file is owned by a non-root user"));
  EXPECT_TRUE(HasMessage(p.diagnostics, "every component that acts on the policy refuses it"));
}

TEST_F(PolicyTreeTest, MaskedAclWriteIsTrusted) {
  // user:4242:rw- under a mask of r-x: the kernel gives that user no write access.
  auto& f = Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n");
  f.acl = AclWithEntry(2, 4242, 6, 5);
  f.mode = S_IFREG | 0654;
  LoadedPolicy p = Load();
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
}

TEST_F(PolicyTreeTest, AMissingRootIsAnError) {
  LoadedPolicy p = LoadPolicyTree(sys_, "/no/such/image");
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(HasMessage(p.diagnostics, "the root directory '/no/such/image' does not exist"))
      << ::testing::PrintToString(Messages(p.diagnostics));
}

TEST_F(PolicyTreeTest, AMissingPolicyDirectoryIsEmpty) {
  sys_.Remove(kRoot + "/run/capset/policy.d");
  Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n");
  LoadedPolicy p = Load();
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
}

TEST_F(PolicyTreeTest, ADirectoryThatIsASymlinkIsRefused) {
  sys_.Remove(kRoot + "/etc/capset/policy.d");
  sys_.AddDir("/elsewhere");
  sys_.AddTextFile("/elsewhere/a.yaml", kEvil);
  sys_.AddSymlink(kRoot + "/etc/capset/policy.d", "/elsewhere");
  LoadedPolicy p = Load();
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.policy.files.empty());
  EXPECT_TRUE(HasMessage(p.diagnostics, "symbolic link"));
}

TEST_F(PolicyTreeTest, RecentlyChangedFilesAreUnsettled) {
  sys_.now = {1700000000, 0};  // the loader's clock is SysOps::Now()
  Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n").ctime =
      sys_.now.tv_sec;
  Write("/etc/capset/policy.d/b.yaml", "services:\n  b.service:\n    user: b\n").ctime =
      sys_.now.tv_sec - 60;
  LoadedPolicy p = Load();
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p.unsettled.size(), 1u);
  EXPECT_EQ(p.unsettled[0], "/img/etc/capset/policy.d/a.yaml");
}

// Regression (found by PolicyRecordTest.AFileBeingRewrittenInPlaceTakesNothingAway in CI):
// the age was compared in whole seconds, so a file changed a few milliseconds before a second
// boundary counted as settled right after it.
TEST_F(PolicyTreeTest, AgeIsMeasuredToTheNanosecond) {
  sys_.now = {1700000000, 5};
  // One nanosecond less than a second ago: unsettled; exactly a second ago: settled.
  auto& f = Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n");
  f.ctime = sys_.now.tv_sec - 1;
  f.ctime_nsec = 6;
  LoadedPolicy p = Load();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.unsettled.size(), 1u);
  f.ctime_nsec = 5;
  EXPECT_TRUE(Load().unsettled.empty());
}

// A time of whole seconds may come from a filesystem that keeps no more (ext3, FAT), where the
// next change can get the same second for a clock tick after it passed: two seconds more.
TEST_F(PolicyTreeTest, AWholeSecondTimeSettlesLater) {
  sys_.now = {1700000000, 5};
  auto& f = Write("/etc/capset/policy.d/a.yaml", "services:\n  a.service:\n    user: a\n");
  f.ctime_nsec = 0;
  f.ctime = sys_.now.tv_sec - 2;
  EXPECT_EQ(Load().unsettled.size(), 1u);
  f.ctime = sys_.now.tv_sec - 3;
  EXPECT_TRUE(Load().unsettled.empty());
}

TEST_F(PolicyTreeTest, NamedFilesAreReadTheSameWay) {
  sys_.AddTextFile("/home/u/draft.yaml", kEvil, 0644, 4242);
  LoadedPolicy p = LoadPolicyFiles(sys_, {"/home/u/draft.yaml"});
  EXPECT_FALSE(p.ok());
  EXPECT_TRUE(p.policy.files.empty());
  PolicyLoadOptions lint;
  lint.trust = TrustMode::kReport;
  p = LoadPolicyFiles(sys_, {"/home/u/draft.yaml"}, lint);
  EXPECT_TRUE(p.ok()) << ::testing::PrintToString(Messages(p.diagnostics));
  EXPECT_EQ(p.policy.files.size(), 1u);
}

}  // namespace
}  // namespace capset
