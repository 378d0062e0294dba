// SPDX-License-Identifier: LGPL-2.1-or-later
// gmock matchers for capset's Status and Result<T>:
//   EXPECT_THAT(r.status(), StatusIs(Code::kUnsafe, HasSubstr("symbolic link")));
//   EXPECT_THAT(st, StatusIs(_, HasSubstr("listed twice")));   // any code
//   EXPECT_THAT(st, IsOk());
// A failure prints the Status's code and whole message.
#pragma once

#include <gmock/gmock.h>

#include <ostream>
#include <string>

#include "capset/status.h"

namespace capset {

inline const char* CodeName(Code c) {
  switch (c) {
    case Code::kOk:
      return "kOk";
    case Code::kInvalidArgument:
      return "kInvalidArgument";
    case Code::kNotFound:
      return "kNotFound";
    case Code::kPermissionDenied:
      return "kPermissionDenied";
    case Code::kUnsafe:
      return "kUnsafe";
    case Code::kNotSupported:
      return "kNotSupported";
    case Code::kIoError:
      return "kIoError";
    case Code::kCorrupt:
      return "kCorrupt";
  }
  return "?";
}

// gtest prints values through these (found by argument-dependent lookup).
inline void PrintTo(Code c, std::ostream* os) { *os << CodeName(c); }
inline void PrintTo(const Status& s, std::ostream* os) {
  *os << CodeName(s.code()) << ": \"" << s.message() << "\"";
}

namespace testing {

MATCHER_P2(StatusIs, code, message,
           "is a Status whose code " + ::testing::DescribeMatcher<Code>(code) +
               " and whose message " + ::testing::DescribeMatcher<std::string>(message)) {
  const Status& st = arg;
  return ::testing::ExplainMatchResult(code, st.code(), result_listener) &&
         ::testing::ExplainMatchResult(message, st.message(), result_listener);
}

MATCHER(IsOk, "is OK") {
  *result_listener << arg.message();
  return arg.ok();
}

}  // namespace testing
}  // namespace capset
