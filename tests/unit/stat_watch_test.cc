// SPDX-License-Identifier: LGPL-2.1-or-later
// What a cache compares instead of reading again (stat_watch.h): every change to a watched
// path or a directory above it shows, and a watch taken while something had just changed never
// holds.
#include "capset/stat_watch.h"

#include <gtest/gtest.h>

#include "capset/policy_loader.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

class StatWatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sys_.now = {1000, 0};  // every node was last changed at 0: long settled
    sys_.AddFile("/srv/root/etc/capset/policy.d/10-a.yaml", 0644).content = "files: []\n";
  }
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

  // Each kind of change, on the file and on an ancestor, is seen.
  const std::vector<std::function<void(FakeSysOps::Node&)>> changes = {
      [](FakeSysOps::Node& n) { n.mode ^= 0002; },
      [](FakeSysOps::Node& n) { n.uid = 1000; },
      [](FakeSysOps::Node& n) { n.gid = 1000; },
      [](FakeSysOps::Node& n) { n.ctime_nsec = 1; },  // e.g. an ACL set
      [](FakeSysOps::Node& n) { n.mtime = 5; },
      [](FakeSysOps::Node& n) { n.ino = 999; },
      [](FakeSysOps::Node& n) { n.nlink = 2; },
  };
  for (const std::string& path : {file, std::string("/srv"), std::string("/")}) {
    for (const auto& change : changes) {
      FakeSysOps::Node& n = path == file ? sys_.AddFile(file, 0644) : Node(path);
      const FakeSysOps::Node before = n;
      change(n);
      EXPECT_FALSE(watch.Holds(sys_)) << path;
      n = before;
      EXPECT_TRUE(watch.Holds(sys_)) << path;
    }
  }
  sys_.AddFile(file, 0644).content = "files: [] \n";  // one byte more
  EXPECT_FALSE(watch.Holds(sys_));
}

TEST_F(StatWatchTest, AWatchTakenWhileSomethingHadJustChangedNeverHolds) {
  Node("/srv/root/etc").ctime = 999;  // 1 s before now is not settled...
  Node("/srv/root/etc").ctime_nsec = 500000000;
  StatWatch watch;
  watch.AddWithAncestors(sys_, "/srv/root/etc/capset");
  EXPECT_FALSE(watch.Holds(sys_));
  sys_.now = {2000, 0};
  EXPECT_FALSE(watch.Holds(sys_)) << "nor does it later: it is taken again";
  StatWatch again;
  again.AddWithAncestors(sys_, "/srv/root/etc/capset");
  EXPECT_TRUE(again.Holds(sys_));
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

}  // namespace
}  // namespace capset
