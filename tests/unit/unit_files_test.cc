// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit files found and read as systemd finds and reads them, below a root: the fragment's
// priority, aliases and masks, drop-ins (the unit's, its template's, its prefixes', service.d)
// in file-name order, and the unit file syntax.
#include "capset/unit_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace capset {
namespace {

namespace fs = std::filesystem;

TEST(UnitFileSyntaxTest, SectionsCommentsAndContinuations) {
  const auto a = ParseUnitFile(
      "# comment\n[Unit]\nDescription = a web server \n; also a comment\n"
      "[Service]\nExecStart=/bin/sh -c \\\n  'echo one' \\\n# inside, skipped\n  two\n"
      "User=web\r\nBroken line\nEmpty=\nLast=ends with \\",
      "x.service");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a[0].section, "Unit");
  EXPECT_EQ(a[0].key, "Description");
  EXPECT_EQ(a[0].value, "a web server");
  EXPECT_EQ(a[1].section, "Service");
  EXPECT_EQ(a[1].value, "/bin/sh -c  'echo one'  two");  // the backslash becomes a blank
  EXPECT_EQ(a[1].line, 6);
  EXPECT_EQ(a[2].key, "User");
  EXPECT_EQ(a[2].value, "web");  // the \r of a CRLF file is blank to systemd
  EXPECT_EQ(a[3].key, "Empty");
  EXPECT_EQ(a[3].value, "");
  EXPECT_EQ(a[4].value, "ends with");
}

class UnitFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/capset-units.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(root_ + path).parent_path());
    std::ofstream(root_ + path) << text;
  }
  Result<UnitFiles> Load(const std::string& name) {
    SafeOpenOptions o;
    o.trust = TrustMode::kIgnore;
    Result<SafeDir> root = OpenRoot(RealSys(), root_, o);
    if (!root.ok()) return root.status();
    return LoadUnitFiles(RealSys(), *root, name);
  }
  std::string Last(const UnitFiles& u, const std::string& key) {
    std::string v;
    for (const auto& a : u.assignments) {
      if (a.key == key) v = a.value;
    }
    return v;
  }
  std::string root_;
};

TEST_F(UnitFilesTest, EtcOverridesTheVendorFragment) {
  Write("/usr/lib/systemd/system/web.service", "[Service]\nUser=vendor\n");
  Write("/etc/systemd/system/web.service", "[Service]\nUser=admin\n");
  Result<UnitFiles> u = Load("web.service");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->fragment, "/etc/systemd/system/web.service");
  EXPECT_EQ(Last(*u, "User"), "admin");
}

TEST_F(UnitFilesTest, DropInsInFileNameOrderTheFirstDirectoryWinsAName) {
  Write("/usr/lib/systemd/system/a-b-c.service", "[Service]\nUser=vendor\n");
  Write("/usr/lib/systemd/system/a-b-c.service.d/10-vendor.conf", "[Service]\nUser=ten\n");
  Write("/etc/systemd/system/a-b-c.service.d/10-vendor.conf", "[Service]\nUser=ten-admin\n");
  Write("/usr/lib/systemd/system/a-.service.d/20-prefix.conf", "[Service]\nGroup=prefix\n");
  Write("/usr/lib/systemd/system/service.d/30-all.conf", "[Service]\nUMask=0077\n");
  Write("/run/systemd/system/a-b-c.service.d/40-run.conf", "[Service]\nUser=forty\n");
  Write("/etc/systemd/system/a-b-c.service.d/not-a-drop-in.txt", "[Service]\nUser=no\n");
  Result<UnitFiles> u = Load("a-b-c.service");
  ASSERT_TRUE(u.ok()) << u.status().message();
  ASSERT_EQ(u->drop_ins.size(), 4u);
  EXPECT_EQ(u->drop_ins[0], "/etc/systemd/system/a-b-c.service.d/10-vendor.conf");
  EXPECT_EQ(u->drop_ins[1], "/usr/lib/systemd/system/a-.service.d/20-prefix.conf");
  EXPECT_EQ(u->drop_ins[2], "/usr/lib/systemd/system/service.d/30-all.conf");
  EXPECT_EQ(Last(*u, "User"), "forty");
  EXPECT_EQ(Last(*u, "Group"), "prefix");
}

TEST_F(UnitFilesTest, InstancesUseTheirTemplateAndItsDropIns) {
  Write("/usr/lib/systemd/system/getty@.service", "[Service]\nUser=tmpl\n");
  Write("/etc/systemd/system/getty@.service.d/x.conf", "[Service]\nGroup=tmpl\n");
  Write("/etc/systemd/system/getty@tty1.service.d/y.conf", "[Service]\nUser=tty1\n");
  Result<UnitFiles> u = Load("getty@tty1.service");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->fragment, "/usr/lib/systemd/system/getty@.service");
  EXPECT_EQ(Last(*u, "Group"), "tmpl");
  EXPECT_EQ(Last(*u, "User"), "tty1");
}

TEST_F(UnitFilesTest, AliasesMasksAndMissingUnits) {
  Write("/usr/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
  fs::create_directories(root_ + "/etc/systemd/system");
  fs::create_symlink("/usr/lib/systemd/system/ssh.service", root_ + "/etc/systemd/system/sshd.service");
  fs::create_symlink("/dev/null", root_ + "/etc/systemd/system/masked.service");
  Write("/usr/lib/systemd/system/masked.service", "[Service]\nUser=x\n");
  Write("/etc/systemd/system/empty.service", "");
  Result<UnitFiles> alias = Load("sshd.service");
  ASSERT_TRUE(alias.ok()) << alias.status().message();
  EXPECT_EQ(alias->id, "ssh.service");
  EXPECT_EQ(alias->fragment, "/usr/lib/systemd/system/ssh.service");
  EXPECT_TRUE(Load("masked.service")->masked);
  EXPECT_TRUE(Load("empty.service")->masked);
  EXPECT_EQ(Load("none.service").status().code(), Code::kNotFound);
  EXPECT_EQ(Load("../x.service").status().code(), Code::kInvalidArgument);
}

TEST_F(UnitFilesTest, AnAliasOutOfTheRootStaysInIt) {
  // An absolute target, and one that climbs, are looked up below the root: the host's
  // /usr/lib/systemd/system is never read.
  fs::create_directories(root_ + "/etc/systemd/system");
  fs::create_symlink("/../../../../usr/lib/systemd/system/ssh.service",
                     root_ + "/etc/systemd/system/out.service");
  Result<UnitFiles> u = Load("out.service");
  EXPECT_FALSE(u.ok());
  EXPECT_EQ(u.status().code(), Code::kNotFound) << u.status().message();
}

TEST_F(UnitFilesTest, ListsServicesNotTemplates) {
  Write("/usr/lib/systemd/system/a.service", "[Service]\n");
  Write("/usr/lib/systemd/system/b@.service", "[Service]\n");
  Write("/etc/systemd/system/c.service", "[Service]\n");
  Write("/etc/systemd/system/d.socket", "[Socket]\n");
  SafeOpenOptions o;
  o.trust = TrustMode::kIgnore;
  Result<SafeDir> root = OpenRoot(RealSys(), root_, o);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(ListServiceUnits(RealSys(), *root), (std::vector<std::string>{"a.service", "c.service"}));
}

}  // namespace
}  // namespace capset

namespace capset {
namespace {

TEST(UnitFileSyntaxRegressionTest, AContinuedLineEndingTheFileIsKept) {
  const auto a = ParseUnitFile("[Service]\nUser=daemon\\\n# comment\n", "x.service");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].value, "daemon");
}

TEST_F(UnitFilesTest, DropInsOfTheFirstSearchDirectoryWinWhateverTheirName) {
  Write("/usr/lib/systemd/system/foo-bar.service", "[Service]\n");
  Write("/etc/systemd/system/foo-.service.d/x.conf", "[Service]\nUser=daemon\n");
  Write("/usr/lib/systemd/system/foo-bar.service.d/x.conf", "[Service]\nUser=vendor\n");
  Result<UnitFiles> u = Load("foo-bar.service");
  ASSERT_TRUE(u.ok());
  ASSERT_EQ(u->drop_ins.size(), 1u);
  EXPECT_EQ(u->drop_ins[0], "/etc/systemd/system/foo-.service.d/x.conf");
  EXPECT_EQ(Last(*u, "User"), "daemon");
}

TEST_F(UnitFilesTest, AnInstancesPrefixesComeFromTheNameBeforeTheAt) {
  Write("/usr/lib/systemd/system/ab@.service", "[Service]\n");
  Write("/etc/systemd/system/ab@x-.service.d/no.conf", "[Service]\nUser=wrong\n");
  Write("/etc/systemd/system/a-b@.service.d/no.conf", "[Service]\nUser=wrong\n");
  Result<UnitFiles> u = Load("ab@x-y.service");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->drop_ins.empty());
  Write("/usr/lib/systemd/system/a-b@.service", "[Service]\n");
  Write("/etc/systemd/system/a-.service.d/yes.conf", "[Service]\nUser=right\n");
  u = Load("a-b@x.service");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(Last(*u, "User"), "right");
}

TEST_F(UnitFilesTest, LinkedDropInsAreReadInsideTheRootAndMasksHonoured) {
  Write("/usr/lib/systemd/system/p.service", "[Service]\n");
  Write("/usr/share/foo/x.conf", "[Service]\nUser=daemon\n");
  fs::create_directories(root_ + "/etc/systemd/system/p.service.d");
  fs::create_symlink("../../../../usr/share/foo/x.conf", root_ + "/etc/systemd/system/p.service.d/x.conf");
  Write("/usr/lib/systemd/system/p.service.d/y.conf", "[Service]\nGroup=masked\n");
  fs::create_symlink("/dev/null", root_ + "/etc/systemd/system/p.service.d/y.conf");
  Result<UnitFiles> u = Load("p.service");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(Last(*u, "User"), "daemon");
  EXPECT_EQ(Last(*u, "Group"), "");
}

TEST_F(UnitFilesTest, AliasesDropInsApplyToTheUnit) {
  Write("/usr/lib/systemd/system/p2.service", "[Service]\n");
  fs::create_directories(root_ + "/etc/systemd/system");
  fs::create_symlink("/usr/lib/systemd/system/p2.service", root_ + "/etc/systemd/system/p2alias.service");
  Write("/etc/systemd/system/p2alias.service.d/o.conf", "[Service]\nUser=daemon\n");
  Result<UnitFiles> u = Load("p2.service");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->aliases, std::vector<std::string>{"p2alias.service"});
  EXPECT_EQ(Last(*u, "User"), "daemon");
}

TEST_F(UnitFilesTest, SpecifiersAreExpanded) {
  Write("/usr/lib/systemd/system/tpl@.service", "[Service]\nUser=%i\nPIDFile=%t/%p.pid\n");
  Result<UnitFiles> u = Load("tpl@root.service");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(Last(*u, "User"), "root");
  EXPECT_EQ(Last(*u, "PIDFile"), "/run/tpl.pid");
}

}  // namespace
}  // namespace capset
