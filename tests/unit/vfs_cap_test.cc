// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/vfs_cap.h"
#include "common/status_matchers.h"

#include <gtest/gtest.h>

#include <vector>

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

std::vector<uint8_t> Bytes(std::initializer_list<uint32_t> words) {
  std::vector<uint8_t> out;
  for (uint32_t w : words) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(w >> (8 * i)));
  }
  return out;
}

TEST(VfsCapTest, DecodesRevision2WithEffective) {
  // cap_net_raw (13) permitted, cap_chown (0) inheritable, effective flag.
  auto raw = Bytes({0x02000001, 1u << 13, 1u << 0, 0, 0});
  Result<VfsCap> r = DecodeVfsCap(raw);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->revision, 2);
  EXPECT_EQ(r->caps.permitted, CapBit(13));
  EXPECT_EQ(r->caps.inheritable, CapBit(0));
  EXPECT_TRUE(r->caps.effective);
  EXPECT_EQ(r->caps.rootid, 0u);
}

TEST(VfsCapTest, DecodesHighWordAndRevision3RootId) {
  auto raw = Bytes({0x03000000, 0, 0, 1u << (40 - 32), 0, 100000});
  Result<VfsCap> r = DecodeVfsCap(raw);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->revision, 3);
  EXPECT_EQ(r->caps.permitted, CapBit(40));
  EXPECT_FALSE(r->caps.effective);
  EXPECT_EQ(r->caps.rootid, 100000u);
  EXPECT_TRUE(r->caps.HostInert());
}

TEST(VfsCapTest, DecodesRevision1) {
  auto raw = Bytes({0x01000001, 1u << 7, 0});
  Result<VfsCap> r = DecodeVfsCap(raw);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->revision, 1);
  EXPECT_EQ(r->caps.permitted, CapBit(7));
  EXPECT_TRUE(r->caps.effective);
}

TEST(VfsCapTest, RejectsWrongSizesAndRevisions) {
  EXPECT_EQ(DecodeVfsCap(Bytes({0x02000000, 0, 0, 0})).status().code(), Code::kCorrupt);
  EXPECT_EQ(DecodeVfsCap(Bytes({0x01000000, 0, 0, 0, 0})).status().code(), Code::kCorrupt);
  EXPECT_EQ(DecodeVfsCap(Bytes({0x03000000, 0, 0, 0, 0})).status().code(), Code::kCorrupt);
  EXPECT_EQ(DecodeVfsCap(Bytes({0x04000000, 0, 0, 0, 0})).status().code(), Code::kCorrupt);
  EXPECT_EQ(DecodeVfsCap(std::vector<uint8_t>{1, 2}).status().code(), Code::kCorrupt);
  Status st = DecodeVfsCap(Bytes({0x02000000, 0, 0})).status();
  EXPECT_THAT(st, StatusIs(_, HasSubstr("12 bytes"))) << st.message();
}

TEST(VfsCapTest, EncodesV2ForHostAndV3ForNamespace) {
  FileCaps fc{CapBit(13) | CapBit(35), CapBit(1), true, 0};
  VfsCapBytes b = EncodeVfsCap(fc);
  EXPECT_EQ(b.size, 20u);
  EXPECT_EQ(std::vector<uint8_t>(b.span().begin(), b.span().end()),
            Bytes({0x02000001, 1u << 13, 1u << 1, 1u << 3, 0}));
  fc.rootid = 1000;
  b = EncodeVfsCap(fc);
  EXPECT_EQ(b.size, 24u);
  Result<VfsCap> back = DecodeVfsCap(b.span());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->caps, fc);
  EXPECT_EQ(back->revision, 3);
}

TEST(VfsCapTest, RoundTripsEveryBit) {
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    FileCaps fc{CapBit(cap), CapBit(63 - cap), cap % 2 == 0, static_cast<uint32_t>(cap)};
    Result<VfsCap> back = DecodeVfsCap(EncodeVfsCap(fc).span());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->caps, fc) << "cap " << cap;
  }
}

}  // namespace
}  // namespace capset
