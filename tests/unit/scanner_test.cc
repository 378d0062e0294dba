// SPDX-License-Identifier: LGPL-2.1-or-later
// Scan's order and classification against nftw(3) itself, on a tree in /tmp (no root needed:
// with list_all every entry is reported, capabilities or not).
#include "capset/scanner.h"
#include "common/status_matchers.h"

#include <ftw.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

std::vector<std::string>* g_nftw_out = nullptr;

int Visit(const char* path, const struct stat*, int flag, struct FTW*) {
  g_nftw_out->push_back(std::string(path) + (flag == FTW_F ? "" : " (Not a regular file)"));
  return 0;
}

class ScannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/capset-scan.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    namespace fs = std::filesystem;
    for (int d = 0; d < 20; ++d) {
      const std::string dir = root_ + "/d" + std::to_string(d) + "/sub" + std::to_string(d % 3);
      fs::create_directories(dir);
      for (int f = 0; f < 25; ++f) std::ofstream(dir + "/f" + std::to_string(f)) << "x";
      std::ofstream(root_ + "/d" + std::to_string(d) + "/top") << "x";
    }
    fs::create_directories(root_ + "/empty");
    fs::create_symlink("d1", root_ + "/link");
    ::mkfifo((root_ + "/fifo").c_str(), 0600);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::vector<std::string> ScanAll(const std::string& path, ScanOptions opt) {
    std::vector<std::string> out;
    Scan({path}, opt, [&](const ScanRecord& r) {
      switch (r.kind) {
        case ScanRecord::Kind::kNoCaps:
          out.push_back(r.path);
          break;
        case ScanRecord::Kind::kNotRegular:
          out.push_back(r.path + " (Not a regular file)");
          break;
        default:
          out.push_back("unexpected: " + r.path + " " + r.error.message());
      }
    });
    return out;
  }

  std::string root_;
};

TEST_F(ScannerTest, RecursiveOrderIsNftwOrder) {
  std::vector<std::string> expected;
  g_nftw_out = &expected;
  ASSERT_EQ(::nftw(root_.c_str(), Visit, 20, FTW_PHYS), 0);
  ScanOptions opt;
  opt.recursive = true;
  opt.list_all = true;
  for (unsigned threads : {1u, 2u, 5u}) {
    opt.threads = threads;
    EXPECT_EQ(ScanAll(root_, opt), expected) << threads << " threads";
  }
}

TEST_F(ScannerTest, NothingReportedWithoutListAll) {
  ScanOptions opt;
  opt.recursive = true;
  EXPECT_TRUE(ScanAll(root_, opt).empty());
}

TEST_F(ScannerTest, NonRecursiveClassifiesByLstat) {
  ScanOptions opt;
  opt.list_all = true;
  EXPECT_EQ(ScanAll(root_ + "/fifo", opt),
            std::vector<std::string>{root_ + "/fifo (Not a regular file)"});
  EXPECT_EQ(ScanAll(root_ + "/link", opt),
            std::vector<std::string>{root_ + "/link (Not a regular file)"});
  EXPECT_EQ(ScanAll(root_ + "/d1/top", opt), std::vector<std::string>{root_ + "/d1/top"});
  opt.recursive = true;  // nftw calls a FIFO a file
  EXPECT_EQ(ScanAll(root_ + "/fifo", opt), std::vector<std::string>{root_ + "/fifo"});
}

TEST_F(ScannerTest, MissingRootIsAnErrorRecord) {
  std::vector<ScanRecord> records;
  Scan({root_ + "/missing"}, {}, [&](const ScanRecord& r) { records.push_back(r); });
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind, ScanRecord::Kind::kError);
  EXPECT_THAT(records[0].error, StatusIs(_, HasSubstr("missing")));
}

}  // namespace
}  // namespace capset
