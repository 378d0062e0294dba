// SPDX-License-Identifier: LGPL-2.1-or-later
// What a hostile string becomes in a line of output (printable.h).
#include "capset/printable.h"

#include <gtest/gtest.h>

#include <string>

#include "capset/utf8.h"

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
  // A byte that starts no UTF-8 sequence: a lone 0x9b is a CSI where the terminal is not in
  // UTF-8 mode (the Linux console, a Latin-1 xterm).
  EXPECT_EQ(ControlsEscaped("back\\slash \xff caf\xc3\xa9"), "back\\slash \\xff caf\xc3\xa9");
  EXPECT_EQ(ControlsEscaped("\x9b[2J"), "\\x9b[2J");
  // Applied to a whole message whose parts were made Printable, it changes none of them.
  for (const std::string& part : {"a\nb"s, "\\"s, "\xff\x01"s, "\xc2\x9b"s, "e\xcc\x81"s}) {
    const std::string once = Printable(part);
    EXPECT_EQ(ControlsEscaped("'" + once + "'"), "'" + once + "'") << once;
  }
}

// "Trojan Source": the bidirectional controls reorder what a terminal or a log viewer shows,
// and U+2028/U+2029 break its line; both functions write them as "\\u....".
TEST(PrintableTest, InvisibleCharactersThatReorderOrBreakALineAreEscaped) {
  EXPECT_EQ(Printable("/usr/bin/\xe2\x80\xaepng.exe"), "/usr/bin/\\u202epng.exe");  // RLO
  EXPECT_EQ(ControlsEscaped("a\xe2\x80\xa8|"), "a\\u2028|");                        // LS
  EXPECT_EQ(Printable("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");             // LRI, PDI
  EXPECT_EQ(Printable("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f"), "\\u061c\\u200e\\u200f");
  // Their neighbours are text: kept.
  EXPECT_EQ(Printable("\xe2\x80\x94\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"),
            "\xe2\x80\x94\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
  const std::string once = Printable("\xe2\x80\xae");
  EXPECT_EQ(ControlsEscaped(once), once);
}

TEST(PrintableTest, NoOutputByteIsAControlCharacter) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  all += "\xc2\x80\xc2\x9f\xc2\xa0";
  for (const std::string& out : {Printable(all), ControlsEscaped(all)}) {
    for (size_t i = 0; i < out.size(); ++i) {
      const auto c = static_cast<unsigned char>(out[i]);
      EXPECT_FALSE(c < 0x20 || c == 0x7f) << "byte " << int(c) << " at " << i;
      if (c >= 0x80) {  // only whole UTF-8 sequences: no byte a Latin-1 terminal acts on
        const size_t n = Utf8SequenceAt(out, i);
        ASSERT_NE(n, 0u) << "a byte that is not UTF-8, " << int(c) << ", at " << i;
        if (c == 0xc2) {
          EXPECT_GE(static_cast<unsigned char>(out[i + 1]), 0xa0) << "a C1 control at " << i;
        }
        i += n - 1;
      }
    }
  }
}

}  // namespace
}  // namespace capset
