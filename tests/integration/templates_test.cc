// SPDX-License-Identifier: LGPL-2.1-or-later
// Every hardening template, applied to a sample service (tests/data/templates/samples.yaml),
// must pass `systemd-analyze verify` without a single warning and reach at most the exposure
// its header documents in `systemd-analyze security --offline=yes` (the strict default at
// most 2.0). Uses the real systemd-analyze; no root needed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "capset/unit_template.h"
#include "test_util.h"

namespace capset::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char kAnalyze[] = "/usr/bin/systemd-analyze";

class TemplatesTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/capset-tpl.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // Printed, as the build generates capsetd.service from the source tree (--output wants a
    // directory only root can change, and this test needs no root): one "# NAME.d/FILE"
    // line before each drop-in.
    CommandResult r = RunCommand({CapctlPath(), "unit", "generate", "--policy",
                                  SourceDir() + "/tests/data/templates/samples.yaml", "--templates",
                                  SourceDir() + "/unit-templates"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    static const std::regex kHeader(R"(^# ([A-Za-z0-9@_.:-]+\.service\.d)/(50-capset\.conf)$)");
    std::istringstream in(r.out);
    std::ofstream out;
    for (std::string line; std::getline(in, line);) {
      std::smatch m;
      if (std::regex_match(line, m, kHeader)) {
        out.close();
        fs::create_directories(dir_ + "/" + m[1].str());
        out.open(dir_ + "/" + m[1].str() + "/" + m[2].str());
        continue;
      }
      ASSERT_TRUE(out.is_open()) << "output before the first drop-in: " << line;
      out << line << "\n";
    }
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  static std::string dir_;
};
std::string TemplatesTest::dir_;

std::vector<std::string> TemplateNames() {
  return ListUnitTemplates({SourceDir() + "/unit-templates"});
}

TEST(TemplatesCountTest, AtLeastEightAndEachHasASample) {
  const auto names = TemplateNames();
  EXPECT_GE(names.size(), 8u);
  std::ifstream in(SourceDir() + "/tests/data/templates/samples.yaml");
  const std::string samples(std::istreambuf_iterator<char>(in), {});
  for (const auto& n : names) {
    EXPECT_NE(samples.find("sample-" + n + ".service:"), std::string::npos) << n;
  }
}

TEST_P(TemplatesTest, VerifiesCleanlyAndMeetsItsExposure) {
  if (::access(kAnalyze, X_OK) != 0) GTEST_SKIP() << "systemd-analyze is not installed";
  const std::string name = GetParam();
  // The source tree may belong to whoever builds it: read, not acted upon.
  Result<UnitTemplate> t =
      LoadUnitTemplate(name, {SourceDir() + "/unit-templates"}, TrustMode::kReport);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_TRUE(t->exposure.has_value()) << name << ".conf documents no '# exposure:'";
  if (name == "strict") {
    EXPECT_LE(*t->exposure, 2.0);
  }

  const std::string unit = "sample-" + name + ".service";
  std::ofstream(dir_ + "/" + unit) << "[Unit]\nDescription=capset template sample " << name
                                   << "\n\n[Service]\nExecStart=/usr/bin/sleep infinity\n";
  ASSERT_TRUE(fs::exists(dir_ + "/" + unit + ".d/50-capset.conf"));

  CommandResult verify = RunCommand({kAnalyze, "verify", dir_ + "/" + unit});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.err, "") << "systemd-analyze verify warned about " << name;

  CommandResult sec = RunCommand({kAnalyze, "security", "--offline=yes", dir_ + "/" + unit});
  std::smatch m;
  static const std::regex kOverall("Overall exposure level for [^:]+: ([0-9.]+)");
  ASSERT_TRUE(std::regex_search(sec.out, m, kOverall)) << sec.out << sec.err;
  const double exposure = std::stod(m[1]);
  std::printf("template %-18s exposure %.1f (documented %.1f)\n", name.c_str(), exposure,
              *t->exposure);
  EXPECT_LE(exposure, *t->exposure) << name;
}

INSTANTIATE_TEST_SUITE_P(All, TemplatesTest, ::testing::ValuesIn(TemplateNames()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace capset::testing
