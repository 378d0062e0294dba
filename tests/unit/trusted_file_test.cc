// SPDX-License-Identifier: LGPL-2.1-or-later
// The trusted reader's line pieces (ReadTrustedFileLines) and its control-character scan,
// whatever sizes the reads come back in.
#include "capset/trusted_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "capset/login_policy.h"
#include "fakes/fake_sys_ops.h"

namespace capset {
namespace {

// What ReadTrustedFileLines hands over must be whole lines, and all of the file.
void ExpectWholeLines(const std::vector<std::string>& pieces, const std::string& content) {
  std::string joined;
  for (size_t i = 0; i < pieces.size(); ++i) {
    ASSERT_FALSE(pieces[i].empty());
    if (i + 1 < pieces.size()) {
      EXPECT_EQ(pieces[i].back(), '\n') << "piece " << i;
    }
    joined += pieces[i];
  }
  EXPECT_EQ(joined, content);
}

std::vector<std::string> Contents() {
  std::vector<std::string> out = {
      "",    "a",      "\n",       "\n\n",
      "a\n", "ab\ncd", "ab\ncd\n", std::string(200, 'x') + "\nshort\n" + std::string(90, 'y')};
  std::mt19937 rng(20261203);
  for (int n = 0; n < 40; ++n) {
    std::string s;
    const size_t len = rng() % 300;
    for (size_t i = 0; i < len; ++i)
      s += (rng() % 5 == 0) ? '\n' : static_cast<char>('a' + rng() % 26);
    out.push_back(s);
  }
  return out;
}

TEST(ReadTrustedFileLinesTest, PiecesAreWholeLinesWhateverSizeTheReadsComeIn) {
  for (const std::string& content : Contents()) {
    for (size_t piece_size : {0u, 1u, 2u, 3u, 7u, 64u}) {
      testing::FakeSysOps sys;
      sys.piece_size = piece_size;
      sys.AddTextFile("/etc/c.conf", content);
      std::vector<std::string> pieces;
      Result<TrustedText> r = ReadTrustedFileLines(
          sys, "/etc/c.conf", {}, [&](std::string_view p) { pieces.emplace_back(p); });
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_TRUE(r->text.empty());
      EXPECT_EQ(r->path, "/etc/c.conf");
      ExpectWholeLines(pieces, content);
    }
  }
}

// SECURITY: a file rewritten while it is read is refused, after its pieces were handed over.
TEST(ReadTrustedFileLinesTest, AFileChangedWhileReadIsRefused) {
  testing::FakeSysOps sys;
  sys.piece_size = 4;
  sys.AddTextFile("/etc/c.conf", "cap_net_raw alice\n");
  sys.after_read = [](testing::FakeSysOps::Node& n) { n.content += "cap_sys_admin bob\n"; };
  Result<TrustedText> r = ReadTrustedFileLines(sys, "/etc/c.conf", {}, [](std::string_view) {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("changed while it was read"), std::string::npos)
      << r.status().message();
}

// The same on a real file, through the real 64 KiB buffer: lines that straddle it, one longer
// than it, and no newline at the end; parsed as it is read, it says what the whole text says.
TEST(ReadTrustedFileLinesTest, ARealFileLargerThanTheBufferIsParsedAsAWhole) {
  char tmpl[] = "/tmp/capset-trusted.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/capability.conf";
  std::string content;
  for (int i = 0; content.size() < 200000; ++i)
    content += "cap_chown user" + std::to_string(i) + "\n";
  content += "cap_kill " + std::string(70000, 'u') + "\n";
  content += "cap_kill\tbroken\x1b line\n";
  for (int i = 0; content.size() < 300000; ++i)
    content += "^cap_net_raw @g" + std::to_string(i) + "\n";
  content += "cap_net_admin last";
  std::ofstream(path) << content;

  TrustedReadOptions options;
  options.trust = TrustMode::kIgnore;
  std::vector<std::string> pieces;
  CapabilityConfParser parser(path, nullptr);
  Result<TrustedText> r = ReadTrustedFileLines(RealSys(), path, options, [&](std::string_view p) {
    pieces.emplace_back(p);
    parser.Lines(p);
  });
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_GT(pieces.size(), 3u);
  ExpectWholeLines(pieces, content);
  const LoginRules streamed = std::move(parser).Finish();
  const LoginRules whole = ParseCapabilityConf(content, path);
  ASSERT_EQ(streamed.rules.size(), whole.rules.size());
  EXPECT_EQ(streamed.rules.back().where.ToString(), whole.rules.back().where.ToString());
  ASSERT_EQ(streamed.diagnostics.size(), 1u);
  EXPECT_EQ(streamed.diagnostics[0].ToString(), whole.diagnostics[0].ToString());
}

// ReadTrustedFile on real files whose sizes straddle the reader's 64 KiB buffer and its
// max_bytes: each is read whole (a short read ends it, with no read to see 0: sys_ops.h), and
// one byte over max_bytes is refused, not cut.
TEST(ReadTrustedFileTest, ARealFileIsReadWholeAtEverySizeAroundTheBuffer) {
  char tmpl[] = "/tmp/capset-trusted.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/policy.yaml";
  TrustedReadOptions options;
  options.trust = TrustMode::kIgnore;
  options.max_bytes = 3 * 65536;
  for (const size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537},
                            size_t{131072}, size_t{3 * 65536}, size_t{3 * 65536 + 1}}) {
    std::string content(size, 'x');
    for (size_t i = 0; i < size; i += 61) content[i] = static_cast<char>('a' + i % 26);
    std::ofstream(path, std::ios::trunc) << content;
    Result<TrustedText> r = ReadTrustedFile(RealSys(), path, options);
    if (size > options.max_bytes) {
      ASSERT_FALSE(r.ok()) << size;
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().message();
      continue;
    }
    ASSERT_TRUE(r.ok()) << size << ": " << r.status().message();
    EXPECT_EQ(r->text.size(), size);
    EXPECT_TRUE(r->text == content) << size;
  }
  std::filesystem::remove_all(dir);
}

// The same with the trust rule required, in a directory only root can change (below /run, not
// the world-writable /tmp): the fstatat-and-open path on a real file, read whole at the sizes
// around the buffer; a FIFO there is refused at once, never opened (a blocking open would hang
// this test).
TEST(ReadTrustedFileTest, ARootOnlyDirectoryIsReadByNameAndAFifoIsNeverOpened) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (a directory only root can change)";
  char tmpl[] = "/run/capset-trusted.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/capability.conf", fifo = dir + "/fifo.conf";
  ASSERT_EQ(::chmod(tmpl, 0755), 0);
  TrustedReadOptions options;  // kRequire
  for (const size_t size : {size_t{0}, size_t{120}, size_t{65536}, size_t{65537}}) {
    const std::string content(size, 'c');
    std::ofstream(path, std::ios::trunc) << content;
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    Result<TrustedText> r = ReadTrustedFile(RealSys(), path, options);
    ASSERT_TRUE(r.ok()) << size << ": " << r.status().message();
    EXPECT_TRUE(r->text == content) << size;
    EXPECT_FALSE(r->untrusted.has_value());
  }
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  Result<TrustedText> r = ReadTrustedFile(RealSys(), fifo, options);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a FIFO, not a regular file"), std::string::npos)
      << r.status().message();
  std::filesystem::remove_all(dir);
}

// The byte loop FindControlCharacter replaced: the reference for the one that skips 32 bytes
// at a time.
std::optional<ControlCharacter> Reference(std::string_view text, bool allow_crlf) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if ((c >= 0x20 && c != 0x7f) || c == '\t') continue;
    if (c == '\r' && allow_crlf && i + 1 < text.size() && text[i + 1] == '\n') continue;
    return ControlCharacter{line, static_cast<int>(i - line_start) + 1, i, c};
  }
  return std::nullopt;
}

TEST(FindControlCharacterTest, AgreesWithAByteLoopAtEveryOffset) {
  const std::string alphabet("a \n\t\r\0\x1b\x7f\x80\xff\x1f ", 12);
  std::mt19937 rng(32);
  int found = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text(rng() % 100, 'x');
    // Mostly clean text, so that whole blocks are skipped, with a few bytes from the alphabet.
    for (int k = static_cast<int>(rng() % 4); k > 0 && !text.empty(); --k) {
      text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    }
    for (bool crlf : {false, true}) {
      const std::optional<ControlCharacter> want = Reference(text, crlf);
      const std::optional<ControlCharacter> got = FindControlCharacter(text, crlf);
      ASSERT_EQ(got.has_value(), want.has_value()) << ::testing::PrintToString(text);
      if (!want) continue;
      ++found;
      EXPECT_EQ(got->offset, want->offset) << ::testing::PrintToString(text);
      EXPECT_EQ(got->line, want->line);
      EXPECT_EQ(got->column, want->column);
      EXPECT_EQ(got->byte, want->byte);
    }
  }
  EXPECT_GT(found, 5000);
  // A CRLF split across two blocks, and a refused byte as the last of a block and the first
  // of the next.
  std::string edge(64, 'x');
  edge[31] = '\r';
  edge[32] = '\n';
  EXPECT_FALSE(FindControlCharacter(edge, true).has_value());
  ASSERT_TRUE(FindControlCharacter(edge, false).has_value());
  EXPECT_EQ(FindControlCharacter(edge, false)->offset, 31u);
  edge[31] = 'x';
  edge[63] = '\0';
  EXPECT_EQ(FindControlCharacter(edge, false)->offset, 63u);
  EXPECT_EQ(FindControlCharacter(edge, false)->column, 31);
}

}  // namespace
}  // namespace capset
