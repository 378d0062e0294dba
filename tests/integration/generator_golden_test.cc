// SPDX-License-Identifier: LGPL-2.1-or-later
// Golden tests for capset-generator (systemd's test-fstab-generator style): each directory
// tests/data/generator/NN-name/ holds root/ (a system image: policy files), expected/ (the
// output tree) and expected.stderr. The image also gets the repository's unit-templates/.
// "@ROOT@" in expectations stands for the temporary root. CAPSET_UPDATE_GOLDEN=1 rewrites the
// expectations from the current output (review the diff before committing).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace capset::testing {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(SourceDir() + "/tests/data/generator")) {
    if (e.is_directory()) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class GeneratorGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratorGoldenTest, MatchesExpectedTree) {
  const std::string dir = SourceDir() + "/tests/data/generator/" + GetParam();
  // The image must pass the trust rule: root-owned all the way up (not below /tmp).
  ScratchDir scratch;
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  const std::string tmp = scratch.path(), root = tmp + "/root", out = tmp + "/out";
  fs::copy(dir + "/root", root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(root + "/usr/lib/capset/unit-templates");
  fs::copy(SourceDir() + "/unit-templates", root + "/usr/lib/capset/unit-templates",
           fs::copy_options::overwrite_existing | fs::copy_options::recursive);
  fs::create_directories(out);

  CommandResult r = RunCommand({GeneratorPath(), out, tmp + "/early", tmp + "/late"}, "",
                               std::nullopt, {"CAPSET_ROOT=" + root});
  EXPECT_EQ(r.exit_code, 0) << "the generator must never fail boot";
  std::map<std::string, std::string> got;
  for (auto& [path, text] : ReadTree(out)) got[path] = ReplaceAll(text, root, "@ROOT@");
  const std::string err = ReplaceAll(r.err, root, "@ROOT@");

  if (std::getenv("CAPSET_UPDATE_GOLDEN")) {
    fs::remove_all(dir + "/expected");
    for (const auto& [path, text] : got) {
      fs::create_directories(fs::path(dir + "/expected/" + path).parent_path());
      std::ofstream(dir + "/expected/" + path) << text;
    }
    std::ofstream(dir + "/expected.stderr") << err;
  }
  EXPECT_EQ(got, ReadTree(dir + "/expected"));
  std::ifstream in(dir + "/expected.stderr");
  EXPECT_EQ(err, std::string(std::istreambuf_iterator<char>(in), {}));
}

INSTANTIATE_TEST_SUITE_P(Cases, GeneratorGoldenTest, ::testing::ValuesIn(Cases()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Issue 12: inside a container /dev/kmsg may be /dev/null (or missing), where the generator's
// refusals reached nobody. Only the kernel's own log is used; otherwise stderr.
TEST(GeneratorTest, RefusalsGoToStderrWhenKmsgIsNotTheKernelLog) {
  ScratchDir scratch;
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  const std::string root = scratch.path() + "/root", out = scratch.path() + "/out";
  fs::create_directories(root + "/etc/capset/policy.d");
  fs::create_directories(out);
  std::ofstream(root + "/etc/capset/policy.d/r.yaml")
      << "services:\n  refused.service:\n    user: u\n    ambient: [CAP_SYS_TIME]\n"
         "    bounding: []\n";
  CommandResult r = RunCommand({"/usr/bin/unshare", "-m", "/bin/sh", "-c",
                                "mount --bind /dev/null /dev/kmsg && exec env SYSTEMD_SCOPE=system "
                                "CAPSET_ROOT='" + root + "' '" + GeneratorPath() + "' '" + out +
                                    "'"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Not generating a drop-in for refused.service"), std::string::npos)
      << r.err;
}

TEST(GeneratorTest, ArgumentsAndEmptyPolicy) {
  EXPECT_EQ(RunCommand({GeneratorPath()}).exit_code, 1);
  EXPECT_EQ(RunCommand({GeneratorPath(), "/a", "/b"}).exit_code, 1);
  ScratchDir scratch;
  if (!scratch.skip_reason().empty()) GTEST_SKIP() << scratch.skip_reason();
  // No policy at all: nothing written, nothing said, success.
  CommandResult r = RunCommand({GeneratorPath(), scratch.path()}, "", std::nullopt,
                               {"CAPSET_ROOT=" + scratch.path()});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(ReadTree(scratch.path()).empty());
}

}  // namespace
}  // namespace capset::testing
