// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_caps.h"

#include <gtest/gtest.h>

#include "capset/capability.h"
#include "capset/iab.h"
#include "common/status_matchers.h"

namespace capset {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(FileCapsTest, ParsesAndPrintsLikeLibcap) {
  Result<FileCaps> fc = FileCaps::FromText("cap_net_raw=ep");
  ASSERT_TRUE(fc.ok()) << fc.status().message();
  EXPECT_EQ(fc->permitted, CapBit(13));
  EXPECT_TRUE(fc->effective);
  EXPECT_EQ(fc->ToText(), "cap_net_raw=ep");

  fc = FileCaps::FromText("CAP_NET_BIND_SERVICE,cap_net_admin+ep");
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->ToText(), "cap_net_bind_service,cap_net_admin=ep");

  fc = FileCaps::FromText("=");
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->ToText(), "=");
  fc = FileCaps::FromText("");  // libcap accepts empty text as the empty set
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->ToText(), "=");
}

TEST(FileCapsTest, RejectsUnknownNamesAndGarbage) {
  for (const char* bad :
       {"cap_bogus=p", "cap_net_raw=x", "cap_net_raw", "64=p", "cap_net_raw==p"}) {
    Result<FileCaps> fc = FileCaps::FromText(bad);
    EXPECT_FALSE(fc.ok()) << bad;
    if (!fc.ok()) {
      EXPECT_THAT(fc.status(), StatusIs(Code::kInvalidArgument, HasSubstr(std::string("'") + bad + "'")));
    }
  }
}

TEST(FileCapsTest, EffectiveMustCoverPermittedAndInheritable) {
  // libcap's rule (cap_set_file): an effective set is empty or includes p|i.
  EXPECT_FALSE(FileCaps::FromText("cap_net_raw+ep cap_chown+p").ok());
  Result<FileCaps> fc = FileCaps::FromText("cap_net_raw+e");
  ASSERT_TRUE(fc.ok());
  EXPECT_TRUE(fc->effective);
  EXPECT_EQ(fc->EffectiveMask(), 0u);
  EXPECT_EQ(fc->ToText(), "=");
}

TEST(FileCapsTest, NumericAndUnknownBitsRoundTrip) {
  Result<FileCaps> fc = FileCaps::FromText("63=p");
  ASSERT_TRUE(fc.ok());
  EXPECT_EQ(fc->permitted, CapBit(63));
  EXPECT_EQ(fc->ToText(), "= 63+p");
}

TEST(FileCapsTest, CompareReportsEachFlagAndRootId) {
  FileCaps a{CapBit(1), 0, true, 0};
  FileCaps b{CapBit(1), CapBit(2), false, 7};
  FileCapsDiff d = Compare(a, b);
  EXPECT_FALSE(d.permitted);
  EXPECT_TRUE(d.inheritable);
  EXPECT_TRUE(d.effective);
  EXPECT_TRUE(d.rootid);
  EXPECT_EQ(d.Letters(), "ie");
  EXPECT_FALSE(Compare(a, a).any());
}

TEST(CapabilityTest, NamesAndNumbers) {
  EXPECT_EQ(CapName(13), "cap_net_raw");
  EXPECT_EQ(*CapFromName("CAP_NET_RAW"), 13);
  EXPECT_EQ(*CapFromName("net_raw"), 13);
  EXPECT_EQ(*CapFromName("40"), 40);
  EXPECT_FALSE(CapFromName("cap_bogus").ok());
  EXPECT_FALSE(CapFromName("").ok());
  EXPECT_EQ(CapNames(CapBit(0) | CapBit(13)),
            (std::vector<std::string>{"cap_chown", "cap_net_raw"}));
  EXPECT_GE(KernelCapBits(), 38);
}

TEST(IabTest, ParsesLibcapIabText) {
  Result<Iab> iab = Iab::FromText("^cap_net_raw,!cap_sys_module,%cap_chown");
  ASSERT_TRUE(iab.ok()) << iab.status().message();
  EXPECT_EQ(iab->ambient, CapBit(13));
  EXPECT_EQ(iab->inheritable, CapBit(13) | CapBit(0));
  EXPECT_EQ(iab->bounding_drop, CapBit(16));
  Result<Iab> again = Iab::FromText(iab->ToText());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *iab);
  EXPECT_FALSE(Iab::FromText("^cap_nonsense").ok());
}

TEST(CapStateTest, RoundTrips) {
  Result<CapState> s = CapState::FromText("cap_net_raw+ep cap_chown+i");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->effective, CapBit(13));
  EXPECT_EQ(s->inheritable, CapBit(0));
  EXPECT_EQ(*CapState::FromText(s->ToText()), *s);
}

TEST(StatusTest, OkIsCheapAndErrorsCarryContext) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok.message().empty());
  Status e(Code::kNotFound, "missing", 2);
  EXPECT_EQ(e.WithPrefix("'x'").message(), "'x': missing");
  EXPECT_EQ(e.WithPrefix("'x'").sys_errno(), 2);
  Result<int> r = Status(Code::kIoError, "boom");
  EXPECT_FALSE(r.ok());
  Result<int> bogus = Status::Ok();  // a Result never holds an OK status without a value
  EXPECT_FALSE(bogus.ok());
  EXPECT_FALSE(bogus.status().ok());
}

}  // namespace
}  // namespace capset
