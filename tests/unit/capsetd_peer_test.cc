// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd's authorization from the policy's capsetd: section (capsetd/peer.h).
#include <gtest/gtest.h>

#include <map>

#include "peer.h"

namespace capset::capsetd {
namespace {

IdLookup FakeIds() {
  static const std::map<std::string, unsigned> users = {{"alice", 1000}, {"bob", 1001}};
  static const std::map<std::string, unsigned> groups = {{"capset-admin", 500}, {"ops", 501}};
  IdLookup ids;
  ids.user = [](const std::string& n) -> std::optional<uid_t> {
    auto it = users.find(n);
    return it == users.end() ? std::nullopt : std::optional<uid_t>(it->second);
  };
  ids.group = [](const std::string& n) -> std::optional<gid_t> {
    auto it = groups.find(n);
    return it == groups.end() ? std::nullopt : std::optional<gid_t>(it->second);
  };
  return ids;
}

CapsetdRule Rule(std::optional<std::string> user, std::optional<std::string> group,
                 std::vector<std::string> actions, int line) {
  CapsetdRule r;
  r.user = std::move(user);
  r.group = std::move(group);
  r.actions = std::move(actions);
  r.where = {"p.yaml", line, 7};
  return r;
}

TEST(AuthorizeTest, FollowsTheRules) {
  const std::vector<CapsetdRule> rules = {
      Rule(std::nullopt, "capset-admin", {"apply", "verify"}, 3),
      Rule("bob", std::nullopt, {"verify"}, 5),
      Rule("alice", "ops", {"apply"}, 7),
      Rule(std::nullopt, "no-such-group", {"apply"}, 9),
  };
  const IdLookup ids = FakeIds();
  auto allowed = [&](Peer p, const char* action) {
    return Authorize(rules, p, action, ids).allowed;
  };
  EXPECT_TRUE(allowed({1, 0, 0, {}}, "apply"));  // root
  EXPECT_EQ(Authorize(rules, {1, 0, 0, {}}, "apply", ids).reason, "uid 0");
  EXPECT_TRUE(allowed({1, 2000, 2000, {500}}, "apply"));  // supplementary group
  EXPECT_TRUE(allowed({1, 2000, 500, {}}, "verify"));     // primary group
  EXPECT_EQ(Authorize(rules, {1, 2000, 500, {}}, "apply", ids).reason, "rule at p.yaml:3:7");
  EXPECT_TRUE(allowed({1, 1001, 1001, {}}, "verify"));
  EXPECT_FALSE(allowed({1, 1001, 1001, {}}, "apply"));  // bob: verify only
  // alice needs both her user and the ops group for the rule at line 7.
  EXPECT_FALSE(allowed({1, 1000, 1000, {}}, "apply"));
  EXPECT_FALSE(allowed({1, 1002, 1002, {501}}, "apply"));
  EXPECT_TRUE(allowed({1, 1000, 1000, {501}}, "apply"));
  // Nobody else, and a rule naming a missing group matches no one.
  const Decision d = Authorize(rules, {1, 65534, 65534, {}}, "verify", ids);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.reason, "no capsetd: allow rule gives uid 65534 'verify'");
  EXPECT_FALSE(Authorize({}, {1, 1000, 1000, {500}}, "verify", ids).allowed);
}

TEST(AuthorizeTest, NumbersAreIds) {
  const IdLookup ids = SystemIdLookup();
  EXPECT_EQ(ids.user("4244"), std::optional<uid_t>(4244));
  EXPECT_EQ(ids.group("0"), std::optional<gid_t>(0));
  EXPECT_EQ(ids.user("root"), std::optional<uid_t>(0));
  EXPECT_EQ(ids.user("no-such-user-capset"), std::nullopt);
  EXPECT_EQ(ids.user("99999999999"), std::nullopt);
}

}  // namespace
}  // namespace capset::capsetd
