// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl audit's knowledge base: KnownBinaries() is sorted (strcmp order) with each name once,
// so FindKnownBinary finds every entry; each entry names why and where it comes from, and its
// capabilities are text libcap reads.
#include <gtest/gtest.h>

#include <cstring>

#include "capset/audit.h"
#include "capset/file_caps.h"

namespace capset {
namespace {

TEST(KnownBinariesTest, SortedCompleteAndFindable) {
  const auto& known = KnownBinaries();
  ASSERT_GE(known.size(), 27u);
  for (size_t i = 0; i < known.size(); ++i) {
    const KnownBinary& k = known[i];
    if (i > 0) {
      EXPECT_LT(std::strcmp(known[i - 1].name, k.name), 0) << k.name << " out of order";
    }
    EXPECT_EQ(FindKnownBinary(k.name), &k) << k.name;
    EXPECT_NE(std::strlen(k.why), 0u) << k.name;
    EXPECT_NE(std::strlen(k.source), 0u) << k.name;
    if (k.caps != nullptr) {
      Result<FileCaps> caps = FileCaps::FromText(k.caps);
      EXPECT_TRUE(caps.ok()) << k.name << ": " << caps.status().message();
    }
  }
  EXPECT_EQ(FindKnownBinary("no-such-program"), nullptr);
}

// Debian's rsh-client installs netkit-rsh (rsh is an alternatives link to it), which is not
// capability-aware: with cap_net_bind_service=p alone its bind fails ("rcmd: socket:
// Permission denied"), so capset must suggest =ep, by either name.
TEST(KnownBinariesTest, RshNeedsEffective) {
  for (const char* name : {"rsh", "rlogin", "rcp", "netkit-rsh", "netkit-rlogin", "netkit-rcp"}) {
    const KnownBinary* k = FindKnownBinary(name);
    ASSERT_NE(k, nullptr) << name;
    EXPECT_STREQ(k->caps, "cap_net_bind_service=ep") << name;
  }
}

}  // namespace
}  // namespace capset
