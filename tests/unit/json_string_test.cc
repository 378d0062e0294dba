// SPDX-License-Identifier: LGPL-2.1-or-later
// AppendJsonString (json_string.h) writes what nlohmann-json's serializer writes for every
// string, the plain ones it copies included: every byte alone, every pair and triple of the
// bytes that decide (ASCII controls, '"', '\\', UTF-8 lead and continuation bytes, invalid
// ones), and valid sequences cut short.
#include "capset/json_string.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace capset {
namespace {

std::string Reference(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Ours(const std::string& text) {
  std::string out = "x";  // appended to what is there
  AppendJsonString(out, text);
  return out.substr(1);
}

TEST(JsonStringTest, SameAsTheSerializerForEveryByteAndEveryDecidingPairAndTriple) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    ASSERT_EQ(Ours(one), Reference(one)) << "byte " << c;
    ASSERT_EQ(Ours("/usr/bin/" + one + "x"), Reference("/usr/bin/" + one + "x")) << c;
  }
  const std::vector<unsigned char> deciding = {0x00, 0x09, 0x0a, 0x1f, 0x20, '"',  '\\', 'a',
                                               0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed,
                                               0xef, 0xf0, 0xf4, 0xf5, 0xff, 0xa0, 0x9f};
  for (unsigned char a : deciding) {
    for (unsigned char b : deciding) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      ASSERT_EQ(Ours(two), Reference(two)) << int{a} << " " << int{b};
      for (unsigned char c : deciding) {
        const std::string three = two + static_cast<char>(c);
        ASSERT_EQ(Ours(three), Reference(three)) << int{a} << " " << int{b} << " " << int{c};
      }
    }
  }
  for (const std::string s : {"caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x82",
                              "\xf0\x9f\x98", "\xed\xa0\x80", "\xc0\xaf", "plain/path"}) {
    EXPECT_EQ(Ours(s), Reference(s)) << s;
  }
}

}  // namespace
}  // namespace capset
