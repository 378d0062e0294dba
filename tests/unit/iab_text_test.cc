// SPDX-License-Identifier: LGPL-2.1-or-later
// The fast IAB reader (core/src/iab_text.h) against libcap's cap_iab_from_text(), which
// stays the authority: whenever the fast reader answers, libcap must accept the same text
// with the same vectors, and Iab::FromText must always agree with libcap.
#include "iab_text.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "capset/iab.h"
#include "sys/libcap.h"

namespace capset {
namespace {

// libcap's verdict: nullopt when it rejects the text.
std::optional<Iab> Libcap(const std::string& text) {
  std::unique_ptr<std::remove_pointer_t<cap_iab_t>, int (*)(void*)> iab(
      cap_iab_from_text(text.c_str()), cap_free);
  if (!iab) return std::nullopt;
  Iab out;
  for (int c = 0; c < kMaxCapBits; ++c) {
    const auto v = static_cast<cap_value_t>(c);
    if (cap_iab_get_vector(iab.get(), CAP_IAB_INH, v) == CAP_SET) out.inheritable |= CapBit(c);
    if (cap_iab_get_vector(iab.get(), CAP_IAB_AMB, v) == CAP_SET) out.ambient |= CapBit(c);
    if (cap_iab_get_vector(iab.get(), CAP_IAB_BOUND, v) == CAP_SET) out.bounding_drop |= CapBit(c);
  }
  return out;
}

std::vector<std::string> Texts() {
  const std::vector<std::string> atoms = {
      "cap_chown", "CAP_NET_RAW", "Cap_Sys_Admin", "cap_net_bind_service", "cap_bogus", "chown",
      "7", "0x0d", "40", "63", "64", "cap_", "", "cap_chown ", " cap_chown", "cap_chown1", "all",
      "cap_setfcap", "cap_checkpoint_restore",
      // one letter away from a name, or a name's prefix: the hash table must still compare
      "cap_chowm", "cap_net_raW", "CAP_SETFCAp", "cap_sys_", "cap_net_raw_"};
  const std::vector<std::string> flags = {"", "!", "^", "%", "!%", "!^", "^!", "%^", "!!", "^%!"};
  const std::vector<std::string> seps = {",", ",", ",", ", ", ",,", ";"};
  std::vector<std::string> texts = {"", ",", "cap_chown,", ",cap_chown", "!", "^", "%%"};
  for (int c = 0; c < kMaxCapBits; ++c) {
    std::unique_ptr<char, int (*)(void*)> name(cap_to_name(static_cast<cap_value_t>(c)), cap_free);
    for (const auto& f : flags) texts.push_back(f + name.get());
  }
  std::mt19937 rng(20261122);
  auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  for (int n = 0; n < 5000; ++n) {
    std::string t = pick(flags) + pick(atoms);
    const int more = static_cast<int>(rng() % 4);
    for (int k = 0; k < more; ++k) t += pick(seps) + pick(flags) + pick(atoms);
    texts.push_back(t);
  }
  return texts;
}

TEST(IabTextTest, FastReaderNeverDisagreesWithLibcap) {
  int fast = 0, deferred = 0;
  for (const std::string& text : Texts()) {
    const std::optional<Iab> ref = Libcap(text);
    const std::optional<Iab> mine = internal::ReadCommonIabText(text);
    if (mine) {
      ++fast;
      ASSERT_TRUE(ref.has_value()) << "fast reader accepted what libcap rejects: '" << text << "'";
      EXPECT_EQ(*mine, *ref) << text;
    } else {
      ++deferred;
    }
    Result<Iab> api = Iab::FromText(text);
    ASSERT_EQ(api.ok(), ref.has_value()) << "'" << text << "'";
    if (ref) {
      EXPECT_EQ(*api, *ref) << text;
    }
  }
  // Both paths must really be exercised by the generated texts.
  EXPECT_GT(fast, 500);
  EXPECT_GT(deferred, 1000);
}

TEST(IabTextTest, CanonicalTextIsReadFast) {
  std::mt19937_64 rng(7);
  const CapMask known = CapBit(CAP_LAST_CAP + 1) - 1;
  for (int n = 0; n < 500; ++n) {
    Iab iab;
    iab.inheritable = rng() & known;
    iab.ambient = rng() & iab.inheritable;
    iab.bounding_drop = rng() & known;
    if (iab == Iab{}) continue;
    const std::string text = iab.ToText();
    const std::optional<Iab> mine = internal::ReadCommonIabText(text);
    ASSERT_TRUE(mine.has_value()) << text;
    EXPECT_EQ(*mine, iab) << text;
  }
}

}  // namespace
}  // namespace capset
