// SPDX-License-Identifier: LGPL-2.1-or-later
// What a hostile string becomes in a line of output (printable.h).
#include "capset/printable.h"

#include <gtest/gtest.h>

#include <string>

namespace capset {
namespace {

using namespace std::string_literals;

TEST(PrintableTest, EscapesWhatCouldForgeOrHideALine) {
  EXPECT_EQ(Printable("/usr/bin/a\nchanged /usr/bin/b"), "/usr/bin/a\\nchanged /usr/bin/b");
  EXPECT_EQ(Printable("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(Printable("nul\0x"s), "nul\\x00x");
  EXPECT_EQ(Printable("\x1b[2J\x7f"), "\\x1b[2J\\x7f");
  EXPECT_EQ(Printable("trailing\\"), "trailing\\\\");  // reads back: "\\n" is no newline
  EXPECT_EQ(Printable("a\\nb"), "a\\\\nb");
  EXPECT_EQ(Printable("\xff\xfe"), "\\xff\\xfe");  // not UTF-8
  EXPECT_EQ(Printable("\xc2\x9b"
                      "31m"),
            "\\xc2\\x9b"
            "31m");                                                              // C1 CSI
  EXPECT_EQ(Printable("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // kept
  EXPECT_EQ(Printable(""), "");
}

TEST(PrintableTest, ControlsEscapedKeepsEverythingButControls) {
  EXPECT_EQ(ControlsEscaped("x\ny\r\0z"s), "x\\ny\\r\\x00z");
  EXPECT_EQ(ControlsEscaped("\xc2\x85"
                            "next line"),
            "\\xc2\\x85"
            "next line");
  EXPECT_EQ(ControlsEscaped("back\\slash \xff caf\xc3\xa9"), "back\\slash \xff caf\xc3\xa9");
  // Applied to a whole message whose parts were made Printable, it changes none of them.
  for (const std::string& part : {"a\nb"s, "\\"s, "\xff\x01"s, "\xc2\x9b"s, "e\xcc\x81"s}) {
    const std::string once = Printable(part);
    EXPECT_EQ(ControlsEscaped("'" + once + "'"), "'" + once + "'") << once;
  }
}

TEST(PrintableTest, NoOutputByteIsAControlCharacter) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  all += "\xc2\x80\xc2\x9f\xc2\xa0";
  for (const std::string& out : {Printable(all), ControlsEscaped(all)}) {
    for (size_t i = 0; i < out.size(); ++i) {
      const auto c = static_cast<unsigned char>(out[i]);
      EXPECT_FALSE(c < 0x20 || c == 0x7f) << "byte " << int(c) << " at " << i;
      if (c == 0xc2 && i + 1 < out.size()) {
        EXPECT_GE(static_cast<unsigned char>(out[i + 1]), 0xa0) << "a C1 control at " << i;
      }
    }
  }
}

}  // namespace
}  // namespace capset
