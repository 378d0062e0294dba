// SPDX-License-Identifier: LGPL-2.1-or-later
// Varlink message framing and call validation (capset/ipc/varlink.h).
#include "capset/ipc/varlink.h"
#include "common/status_matchers.h"

#include <gtest/gtest.h>

namespace capset::varlink {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using testing::StatusIs;

TEST(VarlinkCallTest, ParsesAWellFormedCall) {
  Result<Call> c = ParseCall(
      R"({"method":"io.capset.Files.Apply","parameters":{"package":"iputils-ping"},"more":false})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->interface(), "io.capset.Files");
  EXPECT_EQ(c->member(), "Apply");
  EXPECT_EQ(c->parameters["package"], "iputils-ping");
  EXPECT_FALSE(c->oneway);
  Result<Call> bare = ParseCall(R"({"method":"org.varlink.service.GetInfo","oneway":true})");
  ASSERT_TRUE(bare.ok());
  EXPECT_TRUE(bare->parameters.is_object());
  EXPECT_TRUE(bare->oneway);
}

TEST(VarlinkCallTest, RefusesWhatIsNotACall) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[]", "not a JSON object"},
      {"{}", "without 'method'"},
      {R"({"method":1})", "'method' is not a string"},
      {R"({"method":"Apply"})", "interface.Method"},
      {R"({"method":"io.capset.Files."})", "interface.Method"},
      {R"({"method":"io.capset.Files.apply"})", "interface.Method"},
      {R"({"method":"1o.capset.Apply"})", "interface.Method"},
      {R"({"method":"io..capset.Apply"})", "interface.Method"},
      {R"({"method":"io.capset-.Apply"})", "interface.Method"},
      {R"({"method":"a.b.C","parameters":[]})", "'parameters' is not an object"},
      {R"({"method":"a.b.C","oneway":"yes"})", "'oneway' is not a boolean"},
      {R"({"method":"a.b.C","upgrade":true})", "'upgrade' is not supported"},
      {R"({"method":"a.b.C","id":7})", "unknown field 'id'"},
  };
  for (const auto& [text, why] : cases) {
    Result<Call> c = ParseCall(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_THAT(c.status(), StatusIs(_, HasSubstr(why)))
        << text << " -> " << c.status().message();
  }
}

TEST(VarlinkCallTest, EnforcesItsLimits) {
  const std::string deep = std::string(17, '[') + std::string(17, ']');
  EXPECT_FALSE(ParseCall(R"({"method":"a.b.C","parameters":{"x":)" + deep + "}}").ok());
  // Brackets inside strings do not count.
  EXPECT_TRUE(ParseCall(R"({"method":"a.b.C","parameters":{"x":"[[[[[[[[[[[[[[[[[[[[["}})").ok());
  EXPECT_FALSE(
      ParseCall(R"({"method":"a.b.C","parameters":{"x":")" + std::string(4097, 'a') + "\"}}").ok());
  std::string many = R"({"method":"a.b.C","parameters":{)";
  for (int i = 0; i < 33; ++i)
    many += (i ? "," : "") + std::string("\"p") + std::to_string(i) + "\":1";
  EXPECT_FALSE(ParseCall(many + "}}").ok());
  EXPECT_FALSE(ParseCall(std::string(kMaxMessageSize + 1, ' ')).ok());
  EXPECT_FALSE(ParseCall("{\"method\":\"a.b.C\xff\"}").ok());  // not UTF-8
}

TEST(VarlinkCallTest, EncodesNulTerminatedMessages) {
  const std::string reply = EncodeReply({{"ok", true}});
  EXPECT_EQ(reply, std::string(R"({"parameters":{"ok":true}})") + '\0');
  EXPECT_EQ(EncodeError("a.b.Nope", {{"x", 1}}),
            std::string(R"({"error":"a.b.Nope","parameters":{"x":1}})") + '\0');
  const std::string call = EncodeCall("a.b.C", nlohmann::json::object(), true);
  Result<Call> back = ParseCall(call.substr(0, call.size() - 1));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->oneway);
}

TEST(MessageReaderTest, SplitsOnNulAcrossReads) {
  MessageReader r(16);
  std::string m;
  r.Append("ab", 2);
  EXPECT_FALSE(r.Next(m));
  EXPECT_TRUE(r.partial());
  r.Append("c\0de\0f", 6);
  ASSERT_TRUE(r.Next(m));
  EXPECT_EQ(m, "abc");
  ASSERT_TRUE(r.Next(m));
  EXPECT_EQ(m, "de");
  EXPECT_FALSE(r.Next(m));
  EXPECT_TRUE(r.partial());
  r.Append("\0", 1);
  ASSERT_TRUE(r.Next(m));
  EXPECT_EQ(m, "f");
  EXPECT_FALSE(r.partial());
  EXPECT_FALSE(r.overflowed());
}

TEST(MessageReaderTest, OverflowsPastTheLimit) {
  MessageReader r(4);
  std::string m;
  r.Append("abcd\0", 5);
  ASSERT_TRUE(r.Next(m));
  r.Append("abcde", 5);
  EXPECT_FALSE(r.Next(m));
  EXPECT_TRUE(r.overflowed());
  MessageReader complete(4);
  complete.Append("abcde\0", 6);  // complete, but too long
  EXPECT_FALSE(complete.Next(m));
  EXPECT_TRUE(complete.overflowed());
}

}  // namespace
}  // namespace capset::varlink
