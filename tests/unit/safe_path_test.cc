// SPDX-License-Identifier: LGPL-2.1-or-later
// The safe walk's rules, against an in-memory filesystem (no root needed).
#include "capset/safe_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "capset/file_cap_store.h"
#include "common/status_matchers.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

using testing::FakeSysOps;

class SafePathTest : public ::testing::Test {
 protected:
  void SetUp() override { sys_.AddFile("/usr/bin/ping"); }

  Result<SafeFile> Open(const std::string& path, SafeOpenOptions opt = {}) {
    return OpenRegularFileNoFollow(sys_, path, opt);
  }

  FakeSysOps sys_;
};

TEST_F(SafePathTest, OpensATrustedRegularFile) {
  Result<SafeFile> f = Open("/usr/bin/ping");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_TRUE(f->warnings.empty());
  EXPECT_TRUE(f->fd.valid());
}

TEST_F(SafePathTest, RefusesSymlinkAsFinalComponent) {
  sys_.AddSymlink("/usr/bin/ping6", "ping");
  Result<SafeFile> f = Open("/usr/bin/ping6");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(Code::kUnsafe, HasSubstr("symbolic link")));
}

TEST_F(SafePathTest, RefusesSymlinkAsDirectoryComponent) {
  sys_.AddSymlink("/bin", "usr/bin");
  Result<SafeFile> f = Open("/bin/ping");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(Code::kUnsafe, HasSubstr("'/bin'"))) << f.status().message();
}

TEST_F(SafePathTest, RefusesNonRegularFiles) {
  sys_.AddFifo("/usr/bin/fifo");
  Result<SafeFile> f = Open("/usr/bin/fifo");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(_, HasSubstr("FIFO")));
  EXPECT_FALSE(Open("/usr/bin").ok());
  EXPECT_FALSE(Open("/usr/bin/").ok());
}

TEST_F(SafePathTest, RefusesUntrustedAncestors) {
  sys_.AddDir("/tmp", 01777);
  sys_.AddFile("/tmp/x");
  Result<SafeFile> f = Open("/tmp/x");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(_, HasSubstr("writable by everyone")));

  sys_.AddDir("/home/u", 0755, 1000);
  sys_.AddFile("/home/u/tool");
  f = Open("/home/u/tool");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(_, HasSubstr("owned by a non-root user")));

  sys_.AddDir("/srv", 0775).gid = 50;
  sys_.AddFile("/srv/tool");
  EXPECT_FALSE(Open("/srv/tool").ok());
}

TEST_F(SafePathTest, RefusesUntrustedFile) {
  sys_.AddFile("/usr/bin/mine", 0755, 1000);
  EXPECT_EQ(Open("/usr/bin/mine").status().code(), Code::kUnsafe);
  sys_.AddFile("/usr/bin/open", 0757);
  EXPECT_EQ(Open("/usr/bin/open").status().code(), Code::kUnsafe);
}

TEST_F(SafePathTest, TrustChecksCanBeSkippedForReading) {
  sys_.AddDir("/tmp", 01777);
  sys_.AddFile("/tmp/x");
  SafeOpenOptions opt;
  opt.trust = TrustMode::kIgnore;
  EXPECT_TRUE(Open("/tmp/x", opt).ok());
}

TEST_F(SafePathTest, HardLinksNeedForce) {
  sys_.At("/usr/bin/ping").nlink = 2;
  Result<SafeFile> f = Open("/usr/bin/ping");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(_, HasSubstr("2 hard links")));
  SafeOpenOptions opt;
  opt.allow_hardlinks = true;
  f = Open("/usr/bin/ping", opt);
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->warnings.size(), 1u);
}

TEST_F(SafePathTest, DotDotWalksBackThroughRealDirectories) {
  EXPECT_TRUE(Open("/usr/bin/../bin/./ping").ok());
  EXPECT_TRUE(Open("/../usr/bin/ping").ok());
}

TEST_F(SafePathTest, UnmappedOwnersCountAsRootInAUserNamespace) {
  sys_.AddDir("/srv", 0755, 65534);
  sys_.AddFile("/srv/tool");
  EXPECT_FALSE(Open("/srv/tool").ok());  // nobody is a real user on the host
  sys_.userns = true;
  EXPECT_TRUE(Open("/srv/tool").ok());
}

TEST_F(SafePathTest, DetectsInodeSwapBetweenWalkAndReopen) {
  sys_.AddFile("/usr/bin/other");
  sys_.swap_on_reopen = sys_.Shared("/usr/bin/other");
  Result<SafeFile> f = Open("/usr/bin/ping");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(_, HasSubstr("changed")));
}

// Issue 17: a walk below a held directory opens each component once, the first from the held
// descriptor itself (no copy of it to start from, which cost an open and a close per drop-in
// directory); the held one stays open and usable. Walking nothing still gives a descriptor of
// its own.
TEST_F(SafePathTest, AWalkBelowOpensEachComponentOnceAndKeepsItsBase) {
  sys_.AddDir("/etc/systemd/system/a.service.d");
  Result<SafeDir> base = OpenDirectoryNoFollow(sys_, "/etc", SafeOpenOptions{});
  ASSERT_TRUE(base.ok()) << base.status().message();
  sys_.beneath_calls = 0;
  Result<SafeDir> dir = OpenDirectoryBelow(sys_, *base, "/systemd/system/a.service.d", {});
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_EQ(sys_.beneath_calls, 3);
  EXPECT_EQ(dir->path, "/etc/systemd/system/a.service.d");
  EXPECT_TRUE(dir->root_only);
  EXPECT_NE(dir->fd.get(), base->fd.get());
  dir = Result<SafeDir>(Status(Code::kIoError, "closed"));  // closes its own descriptors only
  EXPECT_NE(::fcntl(base->fd.get(), F_GETFD), -1) << "the base's descriptor was closed";
  Result<SafeDir> again = OpenDirectoryBelow(sys_, *base, "/systemd", {});
  ASSERT_TRUE(again.ok()) << "the base was given away: " << again.status().message();

  // A first component that is a symbolic link, or missing, is refused from the base's own
  // descriptor as before, and the base stays open.
  sys_.AddSymlink("/etc/link", "systemd");
  Result<SafeDir> link = OpenDirectoryBelow(sys_, *base, "/link/system", {});
  EXPECT_THAT(link.status(), StatusIs(Code::kUnsafe, HasSubstr("symbolic link")));
  EXPECT_THAT(OpenDirectoryBelow(sys_, *base, "/nothing/here", {}).status(),
              StatusIs(Code::kNotFound, _));
  EXPECT_NE(::fcntl(base->fd.get(), F_GETFD), -1);
  EXPECT_TRUE(OpenDirectoryBelow(sys_, *base, "/systemd", {}).ok());

  sys_.beneath_calls = 0;
  Result<SafeDir> self = OpenDirectoryBelow(sys_, *base, "/", {});
  ASSERT_TRUE(self.ok()) << self.status().message();
  EXPECT_EQ(sys_.beneath_calls, 1);
  EXPECT_NE(self->fd.get(), base->fd.get());
  EXPECT_EQ(self->path, "/etc");
  self = Result<SafeDir>(Status(Code::kIoError, "closed"));  // closes its descriptor, not base's
  EXPECT_TRUE(OpenDirectoryBelow(sys_, *base, "/systemd", {}).ok());
}

// Issue 17: in directories only root can change, an apply opens a file by name once fstatat
// says it is regular (two calls fewer than O_PATH and a reopen). A FIFO or a device is still
// never opened, a swap between the stat and the open is still seen, and a directory another
// user may write (a rule's also_owner) still takes the O_PATH open.
TEST_F(SafePathTest, StatThenOpenNeverOpensWhatIsNotARegularFile) {
  SafeOpenOptions opt;
  opt.stat_then_open = true;
  int readable_opens = 0, reopens = 0;
  sys_.inject = [&](std::string_view op) -> std::optional<Status> {
    readable_opens += op == "OpenReadable";
    reopens += op == "Reopen";
    return std::nullopt;
  };
  Result<SafeFile> f = Open("/usr/bin/ping", opt);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(readable_opens, 1);
  EXPECT_EQ(reopens, 0);

  sys_.AddFifo("/usr/bin/fifo");
  f = Open("/usr/bin/fifo", opt);
  EXPECT_THAT(f.status(), StatusIs(Code::kUnsafe, HasSubstr("not a regular file")));
  EXPECT_EQ(readable_opens, 1) << "the FIFO was opened";

  // A directory group 0 may write passes the trust rule, but its members could swap the name:
  // O_PATH and a reopen.
  sys_.AddDir("/opt", 0775);
  sys_.AddFile("/opt/tool");
  readable_opens = 0;
  f = Open("/opt/tool", opt);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(readable_opens, 0);
  EXPECT_EQ(reopens, 1);
  reopens = 0;

  sys_.AddFile("/usr/bin/other");
  sys_.swap_on_reopen = sys_.Shared("/usr/bin/other");
  f = Open("/usr/bin/ping", opt);
  EXPECT_THAT(f.status(), StatusIs(Code::kUnsafe, HasSubstr("changed")));
  sys_.swap_on_reopen = nullptr;

  // A directory the rule's other owner may write: O_PATH and a reopen, as without the option.
  sys_.AddDir("/var/lib/capset", 0755, 4242);
  sys_.AddFile("/var/lib/capset/state", 0644, 4242);
  opt.rule.also_owner = 4242;
  Result<SafeDir> dir = OpenDirectoryNoFollow(sys_, "/var/lib/capset", opt);
  ASSERT_TRUE(dir.ok()) << dir.status().message();
  EXPECT_FALSE(dir->root_only);
  readable_opens = reopens = 0;
  f = OpenRegularFileAt(sys_, *dir, "state", "/var/lib/capset/state", opt);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(readable_opens, 0);
  EXPECT_EQ(reopens, 1);
}

TEST_F(SafePathTest, MissingFileNamesThePath) {
  Result<SafeFile> f = Open("/usr/bin/nope");
  ASSERT_FALSE(f.ok());
  EXPECT_THAT(f.status(), StatusIs(Code::kNotFound, HasSubstr("'/usr/bin/nope'")));
}

TEST_F(SafePathTest, WriteIsIdempotentAndRemovalReportsNothingToRemove) {
  Result<SafeFile> f = Open("/usr/bin/ping");
  ASSERT_TRUE(f.ok());
  FileCaps want = *FileCaps::FromText("cap_net_raw=ep");
  EXPECT_EQ(*WriteFileCaps(sys_, f->fd.get(), "ping", want, false), WriteOutcome::kWritten);
  EXPECT_EQ(*WriteFileCaps(sys_, f->fd.get(), "ping", want, false), WriteOutcome::kUnchanged);
  EXPECT_EQ(sys_.set_calls, 1);
  Result<std::optional<VfsCap>> read = ReadFileCaps(sys_, f->fd.get(), "ping");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->caps, want);
  EXPECT_EQ(*WriteFileCaps(sys_, f->fd.get(), "ping", std::nullopt, true), WriteOutcome::kRemoved);
  EXPECT_TRUE(sys_.At("/usr/bin/ping").xattr.has_value());  // dry run wrote nothing
  EXPECT_EQ(*WriteFileCaps(sys_, f->fd.get(), "ping", std::nullopt, false), WriteOutcome::kRemoved);
  EXPECT_EQ(*WriteFileCaps(sys_, f->fd.get(), "ping", std::nullopt, false),
            WriteOutcome::kNothingToRemove);
}

TEST_F(SafePathTest, UnsupportedFilesystemIsNamed) {
  sys_.no_xattr_support = true;
  Result<SafeFile> f = Open("/usr/bin/ping");
  ASSERT_TRUE(f.ok());
  Result<WriteOutcome> w =
      WriteFileCaps(sys_, f->fd.get(), "/usr/bin/ping", *FileCaps::FromText("cap_chown=p"), false);
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.status(),
              StatusIs(Code::kNotSupported, HasSubstr("does not support file capabilities")));
}

// A walked directory's ACL is read only where its mask (the group bits) could let a user
// write: every walk judges each directory from "/", and the read was a third of its calls.
TEST_F(SafePathTest, ADirectorysAclIsReadOnlyWhereItsMaskCouldLetAUserWrite) {
  sys_.inject = [](std::string_view op) -> std::optional<Status> {
    if (op == "GetAclXattr") return Status(Code::kIoError, "Input/output error", EIO);
    return std::nullopt;
  };
  SafeOpenOptions opt;
  opt.trust = TrustMode::kRequire;
  EXPECT_TRUE(OpenDirectoryNoFollow(sys_, "/usr/bin", opt).ok()) << "0755: no ACL read";
  sys_.At("/usr").mode = S_IFDIR | 0775;  // an ACL's mask of rwx: it must be read
  Result<SafeDir> d = OpenDirectoryNoFollow(sys_, "/usr/bin", opt);
  ASSERT_FALSE(d.ok());
  EXPECT_THAT(d.status(), StatusIs(Code::kUnsafe, HasSubstr("ACL that cannot be read")))
      << d.status().message();
}

}  // namespace
}  // namespace capset
