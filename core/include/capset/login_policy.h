// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — login-time grants: libcap's capability.conf format and the policy's users:
// section, and the decision for one user.
//
// capability.conf (pam_cap's format, read unchanged): one rule per line,
//   CAPS  ID [ID ...]        # comment
// CAPS is IAB text (cap_iab_from_text(3): "cap_a,^cap_b,!cap_c,%cap_d"), or "all" (leave the
// process as it is) or "none" (clear inheritable and ambient). Each ID is a user name,
// "@group" (any of the user's groups, primary or supplementary) or "*". The first matching
// line wins.
//
// Unlike pam_cap, a file with any malformed line (unknown capability, bad IAB text, a rule
// without IDs) grants nothing to anyone: a rule the admin meant for someone might be the one
// that failed to parse, and first-match-wins makes every later line depend on it.
// Thread-safety: reentrant.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capset/iab.h"
#include "capset/policy.h"
#include "capset/sys_ops.h"

namespace capset {

struct LoginRule {
  enum class Kind { kIab, kAll, kNone };
  Kind kind = Kind::kIab;
  Iab iab;                       ///< kIab only
  std::string text;              ///< CAPS as written
  std::vector<std::string> ids;  ///< user, @group, *
  SourceLocation where;
};

struct LoginRules {
  std::vector<LoginRule> rules;
  std::vector<Diagnostic> diagnostics;
  bool ok() const;
};

/// Who the user is, for matching: name and every group name (primary and supplementary).
struct LoginIdentity {
  std::string user;
  std::vector<std::string> groups;
};

/// Parses capability.conf text; `file` names it in locations. With `only_for`, every line is
/// still checked (and every error reported) but only the first rule matching that identity
/// is kept — DecideLogin then answers as for the whole file, without building 10,000 rules.
LoginRules ParseCapabilityConf(std::string_view text, const std::string& file,
                               const LoginIdentity* only_for = nullptr);

/// The same, fed in pieces that end at line boundaries (a file read through a fixed buffer,
/// ReadTrustedFileLines: no allocation the size of the file, no page faults for it on every
/// login).
class CapabilityConfParser {
 public:
  CapabilityConfParser(std::string file, const LoginIdentity* only_for);
  /// Whole lines; the last may lack its '\n' only at the end of the file.
  void Lines(std::string_view text);
  LoginRules Finish() &&;

 private:
  void Line(std::string_view line);

  std::string file_;
  const LoginIdentity* only_for_;
  LoginRules out_;
  std::vector<std::string_view> ids_;  // reused: no allocation per line once warm
  bool matched_ = false;
  int lineno_ = 0;
};

/// The rules of a policy's users: section, in order.
LoginRules RulesFromPolicy(const Policy& policy);

/// Looks the user up with NSS (getpwnam_r, getgrouplist, getgrgid_r). kNotFound if unknown.
Result<LoginIdentity> LookupIdentity(SysOps& sys, const std::string& user);

struct LoginDecision {
  bool matched = false;             ///< a rule (or the default) applies
  const LoginRule* rule = nullptr;  ///< the deciding rule (null for the default)
  std::string matched_id;           ///< which ID matched ("alice", "@netadmin", "*")
};

/// The first rule that matches `who`.
LoginDecision DecideLogin(const LoginRules& rules, const LoginIdentity& who);

/// Whether one of the rule's IDs matches `who`.
bool RuleMatches(const LoginRule& rule, const LoginIdentity& who);

}  // namespace capset
