#include "capset/login_policy.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

namespace capset {

bool LoginRules::ok() const {
  return std::none_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

LoginRules ParseCapabilityConf(const std::string& text, const std::string& file) {
  LoginRules out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    // pam_cap splits on blanks and treats a first token starting with '#' as a comment line.
    std::istringstream words(line);
    std::string caps;
    if (!(words >> caps) || caps[0] == '#') continue;
    LoginRule rule;
    rule.text = caps;
    rule.where = {file, lineno, static_cast<int>(line.find(caps)) + 1};
    for (std::string id; words >> id;) {
      if (id[0] == '#') break;  // a trailing comment
      rule.ids.push_back(id);
    }
    auto error = [&](const std::string& msg) {
      out.diagnostics.push_back({Diagnostic::Severity::kError, rule.where, msg});
    };
    if (rule.ids.empty()) {
      error("'" + caps + "' names no user, @group or * (expected CAPS ID [ID...])");
      continue;
    }
    for (const auto& id : rule.ids) {
      if (id == "@") error("'@' without a group name");
    }
    if (caps == "all") {
      rule.kind = LoginRule::Kind::kAll;
    } else if (caps == "none") {
      rule.kind = LoginRule::Kind::kNone;
    } else {
      Result<Iab> iab = Iab::FromText(caps);
      if (!iab.ok()) {
        error(iab.status().message());
        continue;
      }
      rule.iab = *iab;
    }
    out.rules.push_back(std::move(rule));
  }
  return out;
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

Result<LoginIdentity> LookupIdentity(const std::string& user) {
  LoginIdentity who;
  who.user = user;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int err = ::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found);
  if (err != 0) return Status(Code::kIoError, "Failed to look up user '" + user + "'", err);
  if (found == nullptr) return Status(Code::kNotFound, "unknown user '" + user + "'");
  int n = 64;
  std::vector<gid_t> gids(static_cast<size_t>(n));
  while (::getgrouplist(user.c_str(), pw.pw_gid, gids.data(), &n) < 0) {
    if (n > 65536) return Status(Code::kIoError, "too many groups for '" + user + "'");
    gids.resize(static_cast<size_t>(n));
  }
  gids.resize(static_cast<size_t>(n));
  std::vector<char> gbuf(16384);
  for (gid_t gid : gids) {
    group gr{};
    group* g = nullptr;
    if (::getgrgid_r(gid, &gr, gbuf.data(), gbuf.size(), &g) == 0 && g != nullptr) {
      who.groups.push_back(g->gr_name);
    }
  }
  return who;
}

LoginDecision DecideLogin(const LoginRules& rules, const LoginIdentity& who) {
  LoginDecision d;
  for (const auto& rule : rules.rules) {
    for (const auto& id : rule.ids) {
      const bool hit =
          id == "*" || id == who.user ||
          (id.size() > 1 && id[0] == '@' &&
           std::find(who.groups.begin(), who.groups.end(), id.substr(1)) != who.groups.end());
      if (hit) {
        d.matched = true;
        d.rule = &rule;
        d.matched_id = id;
        return d;
      }
    }
  }
  return d;
}

}  // namespace capset
