// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/login_sources.h"

#include <string_view>

#include "capset/policy_loader.h"
#include "capset/trusted_file.h"

namespace capset {
namespace {

constexpr size_t kMaxConfSize = 4 << 20;

// Parses capability.conf at `path` into `out` if it exists (a missing file has no rules).
void LoadCapabilityConf(SysOps& sys, const LoginSources& sources, const LoginIdentity* only_for,
                        LoginRules& out) {
  const std::string& path = sources.capability_conf;
  auto diagnostic = [&](Diagnostic::Severity severity, const std::string& msg) {
    out.diagnostics.push_back({severity, {path, 0, 0}, msg});
  };
  TrustedReadOptions read;
  read.max_bytes = kMaxConfSize;
  read.trust = sources.trust;
  // SECURITY: a capability.conf that another user can write is a grant to anyone: the trust
  // rule (owner, mode, ACL, every directory above it) and one consistent snapshot. It is
  // parsed as it is read (a login allocates nothing the size of the file), and what was
  // parsed counts only if the snapshot held.
  CapabilityConfParser parser(path, only_for);
  Result<TrustedText> text =
      ReadTrustedFileLines(sys, path, read, [&](std::string_view lines) { parser.Lines(lines); });
  if (!text.ok()) {
    if (text.status().code() != Code::kNotFound) {
      diagnostic(Diagnostic::Severity::kError, text.status().message());
    }
    return;
  }
  if (text->untrusted) {
    diagnostic(Diagnostic::Severity::kWarning, *text->untrusted + "; pam_capset refuses it");
  }
  LoginRules conf = std::move(parser).Finish();
  out.rules = std::move(conf.rules);
  out.diagnostics.insert(out.diagnostics.end(), conf.diagnostics.begin(), conf.diagnostics.end());
}

}  // namespace

LoginRules LoadLoginRules(const LoginSources& sources, const LoginIdentity* only_for) {
  return LoadLoginRules(RealSys(), sources, only_for);
}

LoginRules LoadLoginRules(SysOps& sys, const LoginSources& sources, const LoginIdentity* only_for) {
  LoginRules out;
  if (!sources.capability_conf.empty()) LoadCapabilityConf(sys, sources, only_for, out);
  if (sources.read_policy) {
    PolicyLoadOptions load;
    load.trust = sources.trust;
    load.parallel = sources.parallel;
    LoadedPolicy policy = LoadPolicyTree(sys, sources.root, load);
    out.diagnostics.insert(out.diagnostics.end(), policy.diagnostics.begin(),
                           policy.diagnostics.end());
    LoginRules yaml = RulesFromPolicy(policy.policy);
    for (auto& r : yaml.rules) {
      if (only_for != nullptr && (!out.rules.empty() || !RuleMatches(r, *only_for))) continue;
      out.rules.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace capset
