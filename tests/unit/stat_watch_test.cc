// SPDX-License-Identifier: LGPL-2.1-or-later
// What a cache compares instead of reading again (stat_watch.h): every change to a watched
// path or a directory above it shows, and a watch taken while something had just changed never
// holds.
#include "capset/stat_watch.h"

#include <gtest/gtest.h>

#include "capset/file_policy_run.h"
#include "capset/policy_loader.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

using testing::FakeSysOps;

class StatWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sys_.now = {1000, 0};  // every node was last changed at 0: long settled
    sys_.AddFile("/srv/root/etc/capset/policy.d/10-a.yaml", 0644).content = "files: []\n";
  }
  // The directory at `path`, made 0755 (as AddDir does) if it is new or was.
  FakeSysOps::Node& Node(const std::string& path) { return sys_.AddDir(path); }

  FakeSysOps sys_;
};

TEST_F(StatWatchTest, HoldsUntilAWatchedPathOrAnAncestorChanges) {
  const std::string file = "/srv/root/etc/capset/policy.d/10-a.yaml";
  StatWatch watch;
  EXPECT_FALSE(watch.Holds(sys_)) << "an empty watch says nothing";
  EXPECT_FALSE(watch.AddWithAncestors(sys_, file));  // a file, not a directory
  EXPECT_EQ(watch.size(), 7u);                       // "/", srv, root, etc, capset, policy.d, file
  EXPECT_TRUE(watch.Holds(sys_));

  // Each kind of change to the file is seen; to an ancestor, each change of what its trust
  // and identity rest on.
  using Change = std::function<void(FakeSysOps::Node&)>;
  const std::vector<Change> trust = {
      [](FakeSysOps::Node& n) { n.mode ^= 0002; },
      [](FakeSysOps::Node& n) { n.uid = 1000; },
      [](FakeSysOps::Node& n) { n.gid = 1000; },
      [](FakeSysOps::Node& n) { n.ino = 999; },
  };
  const std::vector<Change> times = {
      [](FakeSysOps::Node& n) { n.ctime_nsec = 1; },  // e.g. an ACL set
      [](FakeSysOps::Node& n) { n.mtime = 5; },
      [](FakeSysOps::Node& n) { n.nlink = 2; },
  };
  const auto seen = [&](const std::string& path, const Change& change) {
    FakeSysOps::Node& n = path == file ? sys_.AddFile(file, 0644) : Node(path);
    const FakeSysOps::Node before = n;
    change(n);
    const bool changed = !watch.Holds(sys_);
    n = before;
    EXPECT_TRUE(watch.Holds(sys_)) << path;
    return changed;
  };
  for (const std::string& path : {file, std::string("/srv"), std::string("/")}) {
    for (const auto& change : trust) EXPECT_TRUE(seen(path, change)) << path;
    for (const auto& change : times) EXPECT_EQ(seen(path, change), path == file) << path;
  }
  // A group-writable ancestor (root's group) is judged by its ACL too: its ctime counts.
  Node("/srv").mode = S_IFDIR | 0775;
  StatWatch group;
  group.AddWithAncestors(sys_, file);
  EXPECT_TRUE(group.Holds(sys_));
  sys_.At("/srv").ctime_nsec = 1;
  EXPECT_FALSE(group.Holds(sys_)) << "an ACL set on a directory whose mask lets it matter";
  sys_.At("/srv").ctime_nsec = 0;
  sys_.At("/srv").mode = S_IFDIR | 0755;
  sys_.AddFile(file, 0644).content = "files: [] \n";  // one byte more
  EXPECT_FALSE(watch.Holds(sys_));
}

TEST_F(StatWatchTest, AWatchTakenWhileSomethingHadJustChangedNeverHolds) {
  Node("/srv/root/etc/capset").ctime = 999;  // 0.5 s before now is not settled...
  Node("/srv/root/etc/capset").ctime_nsec = 500000000;
  StatWatch watch;
  watch.AddWithAncestors(sys_, "/srv/root/etc/capset");
  EXPECT_FALSE(watch.Holds(sys_));
  sys_.now = {2000, 0};
  EXPECT_FALSE(watch.Holds(sys_)) << "nor does it later: it is taken again";
  StatWatch again;
  again.AddWithAncestors(sys_, "/srv/root/etc/capset");
  EXPECT_TRUE(again.Holds(sys_));
  // An ancestor whose times do not count (/run, whose entries change all the time) does not
  // keep a watch from holding.
  Node("/srv").ctime = 1999;
  StatWatch busy;
  busy.AddWithAncestors(sys_, "/srv/root/etc/capset");
  EXPECT_TRUE(busy.Holds(sys_));
  // But right after a read, any change counts: a chmod and its undo while it read show only
  // in the ctime (HoldsExactly, which the caches ask once after they read).
  EXPECT_TRUE(busy.HoldsExactly(sys_));
  sys_.At("/srv").ctime = 2000;
  EXPECT_TRUE(busy.Holds(sys_));
  EXPECT_FALSE(busy.HoldsExactly(sys_));
}

TEST_F(StatWatchTest, MissingPathsAndLinksAreWatchedToo) {
  StatWatch watch;
  EXPECT_FALSE(watch.AddWithAncestors(sys_, "/srv/root/run/capset/policy.d"));
  EXPECT_EQ(watch.size(), 4u) << "stops at the first missing directory";
  EXPECT_TRUE(watch.Holds(sys_));
  Node("/srv/root/run");
  EXPECT_FALSE(watch.Holds(sys_)) << "a directory created where none was";
  StatWatch again;
  again.AddWithAncestors(sys_, "/srv/root/run/capset/policy.d");
  EXPECT_EQ(again.size(), 5u);
  EXPECT_TRUE(again.Holds(sys_));
  sys_.AddSymlink("/srv/root/run", "/elsewhere");
  EXPECT_FALSE(again.Holds(sys_)) << "a symbolic link put in a directory's place";
}

TEST_F(StatWatchTest, ThePolicyTreeWatchSeesANewFileThroughItsDirectory) {
  StatWatch watch = PolicyTreeWatch(sys_, "/srv/root");
  EXPECT_TRUE(watch.Holds(sys_));
  // The kernel gives the directory a new mtime when an entry is added: that is what shows.
  sys_.AddFile("/srv/root/etc/capset/policy.d/20-b.yaml", 0644);
  Node("/srv/root/etc/capset/policy.d").mtime = 7;
  EXPECT_FALSE(watch.Holds(sys_));
  watch = PolicyTreeWatch(sys_, "/srv/root");
  EXPECT_TRUE(watch.Holds(sys_));
  sys_.AddFile("/srv/root/etc/capset/policy.d/20-b.yaml", 0666);  // a file listed in it
  EXPECT_FALSE(watch.Holds(sys_));
}

TEST_F(StatWatchTest, TheRecordWatchCoversTheRecordAndEveryDirectoryAboveIt) {
  sys_.AddFile("/srv/root/var/lib/capset/applied-files.json", 0644, 1);
  sys_.euid = 1;  // capsetd's user: the record's owner besides root is itself
  StatWatch watch = RecordSnapshotWatch(sys_, "/srv/root//");
  EXPECT_EQ(watch.size(), 7u);  // "/", srv, root, var, lib, capset, the record
  EXPECT_TRUE(watch.Holds(sys_));
  Node("/srv").mode = S_IFDIR | 0777;
  EXPECT_FALSE(watch.Holds(sys_));
  Node("/srv").mode = S_IFDIR | 0755;
  sys_.euid = 0;  // as root the owner comes from NSS, which no status shows
  EXPECT_FALSE(RecordSnapshotWatch(sys_, "/srv/root").Holds(sys_));
}

TEST_F(StatWatchTest, RootsWrittenWithMoreSlashesAreTheSameRoot) {
  Node("/etc");
  for (const std::string root : {"/", "//", "", "/srv/root/", "/srv//root"}) {
    StatWatch watch = PolicyTreeWatch(sys_, root);
    EXPECT_TRUE(watch.Holds(sys_)) << root;
    if (root.size() > 2) {
      Node("/srv/root/etc/capset/policy.d").mtime += 1;  // listed: its times count
    } else {
      sys_.At("/etc").mode ^= 0002;  // an ancestor: its mode counts
    }
    EXPECT_FALSE(watch.Holds(sys_)) << root << ": a change below the root went unseen";
  }
  StatWatch relative;
  EXPECT_FALSE(relative.AddWithAncestors(sys_, "srv/root"));
  EXPECT_FALSE(relative.Holds(sys_)) << "a relative path's ancestors are not known";
}

}  // namespace
}  // namespace capset
