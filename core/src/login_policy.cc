// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/login_policy.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string_view>
#include <utility>

#include "capset/printable.h"
#include "capset/trusted_file.h"

namespace capset {

bool LoginRules::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

namespace {

// pam_cap's delimiters exactly (" \t\n"): a CRLF file's "alice\r" matches no one there either.
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// The next blank-separated word of `line` from `pos` (empty at the end).
std::string_view NextWord(std::string_view line, size_t& pos) {
  while (pos < line.size() && IsBlank(line[pos])) ++pos;
  const size_t begin = pos;
  while (pos < line.size() && !IsBlank(line[pos])) ++pos;
  return line.substr(begin, pos - begin);
}

// The ID of `ids` that matches `who` first, or nullopt.
template <typename Ids>
std::optional<std::string_view> FirstMatchingId(const Ids& ids, const LoginIdentity& who) {
  for (const auto& id_any : ids) {
    const std::string_view id(id_any);
    const bool hit =
        id == "*" || id == who.user ||
        (id.size() > 1 && id[0] == '@' &&
         std::find(who.groups.begin(), who.groups.end(), id.substr(1)) != who.groups.end());
    if (hit) return id;
  }
  return std::nullopt;
}

}  // namespace

CapabilityConfParser::CapabilityConfParser(std::string file, const LoginIdentity* only_for)
    : file_(std::move(file)), only_for_(only_for) {}

void CapabilityConfParser::Lines(std::string_view all) {
  // SECURITY: pam_cap reads a line up to a NUL; what follows it would be a different rule to
  // a reader that does not stop there. Any control character makes the whole file an error
  // (and so it grants nothing). One scan of the text finds the first; only after a line that
  // holds one does the scan go on.
  std::optional<ControlCharacter> bad = FindControlCharacter(all, /*allow_crlf=*/false);
  for (size_t at = 0; at < all.size();) {
    const size_t nl = all.find('\n', at);
    const size_t end = nl == std::string_view::npos ? all.size() : nl;
    ++lineno_;
    if (bad && bad->offset < end) {
      out_.diagnostics.push_back(
          {Diagnostic::Severity::kError,
           {file_, lineno_, static_cast<int>(bad->offset - at) + 1},
           bad->Describe() + " is not allowed in capability.conf; the whole file grants nothing"});
      bad = FindControlCharacter(all.substr(end), /*allow_crlf=*/false);
      if (bad) bad->offset += end;
    } else {
      Line(all.substr(at, end - at));
    }
    at = end == all.size() ? end : end + 1;
  }
}

// A line without control characters.
void CapabilityConfParser::Line(std::string_view line) {
  // pam_cap splits on blanks and treats a first word starting with '#' as a comment line.
  size_t pos = 0;
  const std::string_view caps = NextWord(line, pos);
  if (caps.empty() || caps[0] == '#') return;
  const int column = static_cast<int>(pos - caps.size()) + 1;
  ids_.clear();
  for (std::string_view id = NextWord(line, pos); !id.empty(); id = NextWord(line, pos)) {
    if (id[0] == '#') break;  // a trailing comment
    ids_.push_back(id);
  }
  bool bad = false;
  auto error = [&](const std::string& msg) {
    out_.diagnostics.push_back({Diagnostic::Severity::kError, {file_, lineno_, column}, msg});
    bad = true;
  };
  if (ids_.empty()) {
    error("'" + std::string(caps) + "' names no user, @group or * (expected CAPS ID [ID...])");
    return;
  }
  for (const auto& id : ids_) {
    if (id == "@") error("'@' without a group name");
  }
  LoginRule::Kind kind = LoginRule::Kind::kIab;
  Iab iab;
  if (caps == "all") {
    kind = LoginRule::Kind::kAll;
  } else if (caps == "none") {
    kind = LoginRule::Kind::kNone;
  } else {
    Result<Iab> parsed = Iab::FromText(caps);
    if (!parsed.ok()) {
      error(parsed.status().message());
      return;
    }
    iab = *parsed;
  }
  // Every line is checked, but with only_for set only the first rule for that identity is
  // built: the later ones can never decide.
  if (bad || matched_ || (only_for_ != nullptr && !FirstMatchingId(ids_, *only_for_))) return;
  matched_ = only_for_ != nullptr;
  LoginRule rule;
  rule.kind = kind;
  rule.iab = iab;
  rule.text = caps;
  rule.ids.assign(ids_.begin(), ids_.end());
  rule.where = {file_, lineno_, column};
  out_.rules.push_back(std::move(rule));
}

LoginRules CapabilityConfParser::Finish() && { return std::move(out_); }

LoginRules ParseCapabilityConf(std::string_view text, const std::string& file,
                               const LoginIdentity* only_for) {
  CapabilityConfParser parser(file, only_for);
  parser.Lines(text);
  return std::move(parser).Finish();
}

LoginRules RulesFromPolicy(const Policy& policy) {
  LoginRules out;
  for (const auto& u : policy.users) {
    LoginRule rule;
    rule.kind = LoginRule::Kind::kIab;
    rule.iab = Iab{u.inheritable | u.ambient, u.ambient, u.drop_bounding};
    rule.text = rule.iab.ToText();
    rule.ids = {u.match};
    rule.where = u.where;
    out.rules.push_back(std::move(rule));
  }
  return out;
}

Result<LoginIdentity> LookupIdentity(SysOps& sys, const std::string& user) {
  LoginIdentity who;
  who.user = user;
  Result<std::optional<UserEntry>> pw = sys.LookupUser(user);
  // The name as typed (a login's client chose it): Printable in the message, so that it reads
  // back unambiguously wherever the message is shown.
  if (!pw.ok()) return FromErrno(pw.status().sys_errno(), "look up user", Printable(user));
  if (!*pw) return Status(Code::kNotFound, "unknown user '" + Printable(user) + "'");
  CAPSET_ASSIGN_OR_RETURN(who.groups, sys.GroupNamesOf(user, (*pw)->gid));
  return who;
}

LoginDecision DecideLogin(const LoginRules& rules, const LoginIdentity& who) {
  LoginDecision d;
  for (const auto& rule : rules.rules) {
    if (std::optional<std::string_view> id = FirstMatchingId(rule.ids, who)) {
      d.matched = true;
      d.rule = &rule;
      d.matched_id = *id;
      return d;
    }
  }
  return d;
}

bool RuleMatches(const LoginRule& rule, const LoginIdentity& who) {
  return FirstMatchingId(rule.ids, who).has_value();
}

}  // namespace capset
