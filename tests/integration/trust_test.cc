// SPDX-License-Identifier: LGPL-2.1-or-later
// Issue 11, on real files: what someone other than root could write is never trusted (POSIX
// ACLs included), paths never leave --root, an apply never leaves a state verify would
// refuse, ids never wrap, and --root / --package must name something. Each test asserts what
// must NOT happen (libcap's setcap is the contrast where it accepts what capctl refuses).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "capset/fd.h"
#include "test_util.h"

namespace capset::testing {
namespace {

class TrustTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!IsRoot()) GTEST_SKIP() << "needs root (file capabilities, ACLs, chown)";
    dir_ = std::make_unique<ScratchDir>(ScratchDir::Fs::kTmpfs);
    if (!dir_->skip_reason().empty()) GTEST_SKIP() << dir_->skip_reason();
    if (std::system("command -v setfacl >/dev/null") != 0) GTEST_SKIP() << "no setfacl (acl)";
    img_ = *dir_ / "img";
    for (const char* d : {"", "/etc", "/etc/capset", "/etc/capset/policy.d", "/usr", "/usr/bin",
                          "/var", "/var/lib", "/var/lib/capset"}) {
      ASSERT_EQ(::mkdir((img_ + d).c_str(), 0755), 0) << d;
    }
    std::ofstream(img_ + "/etc/passwd") << "root:x:0:0::/root:/bin/sh\nsvc:x:4321:4321::/:/x\n";
    std::ofstream(img_ + "/etc/group") << "root:x:0:\nstaff:x:50:\nnetdev:x:4322:\n";
  }
  void Policy(const std::string& text) {
    std::ofstream(img_ + "/etc/capset/policy.d/50-test.yaml") << text;
  }
  CommandResult Capctl(std::vector<std::string> args) {
    args.insert(args.begin(), CapctlPath());
    return RunCommand(args);
  }
  static void Acl(const std::string& spec, const std::string& path) {
    ASSERT_EQ(std::system(("setfacl " + spec + " '" + path + "'").c_str()), 0) << spec;
  }
  std::unique_ptr<ScratchDir> dir_;
  std::string img_;
};

TEST_F(TrustTest, CapctlSetRefusesFilesAUserCanWriteThroughAnAcl) {
  // A root-owned 0755 file with user:4242:rw-: libcap's setcap sets the capability, and the
  // user could then rewrite the program (through a shared mmap the capability even stays).
  const std::string f = dir_->MakeFile("acl-file");
  Acl("-m u:4242:rw", f);
  CommandResult r = Capctl({"set", "cap_net_raw=p", f});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is writable by user 4242 through its POSIX ACL"), std::string::npos)
      << r.err;
  EXPECT_EQ(RawCapXattr(f), "");
  EXPECT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", f}).exit_code, 0)
      << "setcap accepts it (the contrast)";

  // A directory with a named-group ACL: the group could swap the file.
  ASSERT_EQ(::mkdir((*dir_ / "d").c_str(), 0755), 0);
  const std::string in_dir = dir_->MakeFile("d/prog");
  Acl("-m g:100:rwx", *dir_ / "d");
  r = Capctl({"set", "cap_net_raw=p", in_dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("directory '" + *dir_ / "d" + "' is writable by group 100"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(RawCapXattr(in_dir), "");

  // A default ACL on the directory, inherited by a file root creates in it (mode 0775: the
  // ACL's mask becomes rwx, so user 4242 may write; the mode bits alone look like root's).
  ASSERT_EQ(::mkdir((*dir_ / "e").c_str(), 0755), 0);
  Acl("-d -m u:4242:rw", *dir_ / "e");
  const std::string inherited = *dir_ / "e/prog";
  {
    Fd fd(::open(inherited.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0775));
    ASSERT_TRUE(fd.valid());
    ASSERT_EQ(::write(fd.get(), "#!/bin/sh\n", 10), 10);
  }
  r = Capctl({"set", "cap_net_raw=p", inherited});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("user 4242 through its POSIX ACL"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(inherited), "");

  // An entry the mask takes write away from gives no one write access: trusted.
  const std::string masked = dir_->MakeFile("masked");
  Acl("-m u:4242:rw,m::r-x", masked);
  r = Capctl({"set", "cap_net_raw=p", masked});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(TrustTest, PolicyAndRecordPathsNeverLeaveTheRoot) {
  // The file next to the image, which an image's policy once reached with /../.
  const std::string host = dir_->MakeFile("hostfile");
  Policy("files:\n  - path: /../hostfile\n    caps: cap_sys_admin=ep\n");
  CommandResult r = Capctl({"policy", "apply", "--root", img_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("50-test.yaml:2:11: error: 'path': expected a normalized absolute file "
                       "name, got '/../hostfile'"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(RawCapXattr(host), "");
  r = Capctl({"policy", "check", img_ + "/etc/capset/policy.d/50-test.yaml"});
  EXPECT_EQ(r.exit_code, 1) << "policy check must refuse it too";

  // A record entry outside the image: the host's capability stays.
  const std::string hostping = dir_->MakeFile("hostping");
  ASSERT_EQ(RunCommand({SetcapPath(), "cap_net_raw=p", hostping}).exit_code, 0);
  Policy("files: []\n");
  std::ofstream(img_ + "/var/lib/capset/applied-files.json")
      << R"({"version": 1, "files": [{"path": "/../hostping", "caps": "cap_net_raw=p",)"
      << R"( "setuid": false, "package": "", "source": "x.yaml:2:5"}]})";
  r = Capctl({"policy", "apply", "--root", img_, "--json"});
  EXPECT_NE(r.out.find("must not contain '..'"), std::string::npos) << r.out << r.err;
  EXPECT_NE(RawCapXattr(hostping), "") << "the record reached a file outside the image";
  ::unlink((img_ + "/var/lib/capset/applied-files.json").c_str());

  // A symbolic link inside the image pointing out of it is never followed.
  ASSERT_EQ(::mkdir((*dir_ / "outside-bin").c_str(), 0755), 0);
  const std::string outside = dir_->MakeFile("outside-bin/tool");
  ASSERT_EQ(::symlink((*dir_ / "outside-bin").c_str(), (img_ + "/usr/sbin").c_str()), 0);
  Policy("files:\n  - path: /usr/sbin/tool\n    caps: cap_sys_admin=ep\n");
  r = Capctl({"policy", "apply", "--root", img_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(outside), "");
}

TEST_F(TrustTest, ApplyRefusesEntriesWhoseResultAUserCouldChange) {
  // group: staff on a 0775 file (and owner: svc) once left capabilities on a file a non-root
  // user could rewrite, which verify then refused. Refused before the first change now.
  const std::string grp = dir_->MakeFile("img/usr/bin/grp");
  ASSERT_EQ(::chmod(grp.c_str(), 0775), 0);
  const std::string own = dir_->MakeFile("img/usr/bin/own");
  const std::string ok = dir_->MakeFile("img/usr/bin/ok");
  Policy(
      "files:\n"
      "  - {path: /usr/bin/grp, caps: cap_net_raw=p, group: staff}\n"
      "  - {path: /usr/bin/own, caps: cap_net_raw=p, owner: svc}\n"
      "  - {path: /usr/bin/ok, caps: cap_net_raw=p, group: netdev, mode: \"0750\"}\n");
  CommandResult r = Capctl({"policy", "apply", "--root", img_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Refusing '" + grp + "': applied, the file is writable by a non-root group"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Refusing '" + own + "': applied, the file is owned by a non-root user"),
            std::string::npos)
      << r.err;
  struct stat st {};
  ASSERT_EQ(::stat(grp.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 0u) << "nothing of a refused entry is changed";
  ASSERT_EQ(::stat(own.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(RawCapXattr(grp), "");
  EXPECT_EQ(RawCapXattr(own), "");
  EXPECT_NE(RawCapXattr(ok), "");
  ASSERT_EQ(::stat(ok.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, 4322u);
  // What apply did leaves verify nothing to refuse or report for the good entry.
  r = Capctl({"policy", "verify", "--root", img_, "--json"});
  const nlohmann::json report = nlohmann::json::parse(r.out);
  int seen = 0;
  for (const auto& e : report["entries"]) {
    if (e["path"] != ok) continue;
    ++seen;
    EXPECT_NE(e["status"], "error") << e.dump();
    EXPECT_TRUE(e["drift"].empty()) << e.dump();
  }
  EXPECT_EQ(seen, 1) << r.out;
}

TEST_F(TrustTest, IdsNeverWrap) {
  // "4294967296" became uid 0, "4294967295" meant "unchanged", and a capsetd rule
  // user: "4294971538" authorized uid 4242.
  const std::string f = img_ + "/etc/capset/policy.d/50-test.yaml";
  for (const std::string id : {"4294967296", "4294967295", "65535", "99999999999999999999"}) {
    Policy("files:\n  - path: /usr/bin/x\n    caps: cap_net_raw=p\n    owner: \"" + id + "\"\n");
    CommandResult r = Capctl({"policy", "check", f});
    EXPECT_EQ(r.exit_code, 1) << id;
    EXPECT_NE(r.err.find(f + ":4:12: error: 'owner': '" + id + "' is not a valid uid"),
              std::string::npos)
        << r.err;
  }
  Policy(
      "capsetd:\n  allow:\n    - user: \"4294971538\"\n      actions: [apply]\n"
      "    - group: \"4294967296\"\n      actions: [verify]\n");
  CommandResult r = Capctl({"policy", "check", f});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(":3:13: error: 'user': '4294971538' is not a valid uid"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(":5:14: error: 'group': '4294967296' is not a valid gid"), std::string::npos)
      << r.err;
}

// A drop-in grants its service capabilities: it is written only into a directory root alone
// can change, and never through a link planted there.
TEST_F(TrustTest, DropInsAreNeverWrittenWhereAnotherUserCouldChangeThem) {
  const std::string policy = img_ + "/etc/capset/policy.d/50-test.yaml";
  Policy("services:\n  web.service:\n    user: www-data\n    ambient: [CAP_NET_BIND_SERVICE]\n");
  const std::string shared = *dir_ / "shared";
  ASSERT_EQ(::mkdir(shared.c_str(), 01777), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 01777), 0);
  CommandResult r = Capctl({"unit", "generate", "--policy", policy, "--output", shared});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is writable by everyone"), std::string::npos) << r.err;

  const std::string out = *dir_ / "units";
  ASSERT_EQ(::mkdir(out.c_str(), 0755), 0);
  const std::string victim = *dir_ / "victim";
  std::ofstream(victim) << "keep\n";
  ASSERT_EQ(::mkdir((out + "/web.service.d").c_str(), 0755), 0);
  ASSERT_EQ(::symlink(victim.c_str(), (out + "/web.service.d/50-capset.conf").c_str()), 0);
  r = Capctl({"unit", "generate", "--policy", policy, "--output", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::ifstream v(victim);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(v)), {}), "keep\n");
  struct stat st {};
  ASSERT_EQ(::lstat((out + "/web.service.d/50-capset.conf").c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode)) << "the planted link was replaced, not written through";

  // A unit directory that is a link elsewhere is refused.
  ASSERT_EQ(std::system(("rm -r '" + out + "/web.service.d'").c_str()), 0);
  ASSERT_EQ(::symlink(shared.c_str(), (out + "/web.service.d").c_str()), 0);
  r = Capctl({"unit", "generate", "--policy", policy, "--output", out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("symbolic link"), std::string::npos) << r.err;
  EXPECT_NE(::access((shared + "/50-capset.conf").c_str(), F_OK), 0);
}

TEST_F(TrustTest, RootAndPackageMustNameSomething) {
  const std::string none = *dir_ / "no-such-image";
  for (std::vector<std::string> args : {std::vector<std::string>{"policy", "apply"},
                                        {"policy", "verify"},
                                        {"policy", "diff"},
                                        {"policy", "check"},
                                        {"audit"},
                                        {"unit", "lint"}}) {
    args.push_back("--root");
    args.push_back(none);
    CommandResult r = Capctl(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("the root directory '" + none + "' does not exist"), std::string::npos)
        << r.err;
  }
  CommandResult r = Capctl({"login", "--root", none, "root"});
  EXPECT_EQ(r.exit_code, 2) << r.err;

  Policy("files:\n  - {path: /usr/bin/x, caps: cap_net_raw=p, package: foo}\n");
  dir_->MakeFile("img/usr/bin/x");
  r = Capctl({"policy", "apply", "--root", img_, "--package", "fooo"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--package fooo: no entry of the policy"), std::string::npos) << r.err;
  EXPECT_EQ(RawCapXattr(img_ + "/usr/bin/x"), "");
  EXPECT_EQ(Capctl({"policy", "apply", "--root", img_, "--package", "foo"}).exit_code, 0);
}

}  // namespace
}  // namespace capset::testing
