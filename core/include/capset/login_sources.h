// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — where login rules come from, shared by pam_capset.so and `capctl login`.
//
// The rules are capability.conf's (pam_cap's file, default /etc/security/capability.conf; a
// missing file has no rules) followed by the users: sections of the layered policy under
// `root`. The first matching rule wins, so capability.conf takes precedence.
#pragma once

#include <string>

#include "capset/login_policy.h"
#include "capset/safe_path.h"

namespace capset {

inline constexpr const char kDefaultCapabilityConf[] = "/etc/security/capability.conf";

struct LoginSources {
  std::string capability_conf = kDefaultCapabilityConf;
  bool read_policy = true;  ///< also the YAML users: sections
  std::string root = "/";
  /// kRequire: refuse a capability.conf or policy file that someone other than root could
  /// change (trust.h), whatever reads it. kReport only for explaining (capctl login): the
  /// reason becomes a warning.
  TrustMode trust = TrustMode::kRequire;
  /// Read the policy files on every CPU; false inside pam_capset.so (no threads there).
  bool parallel = true;
};

/// Loads every rule. Any error (unreadable, untrusted or malformed file) is a diagnostic, and
/// the caller must then grant nothing. With `only_for`, every source is still read and checked
/// in full, but only the first rule matching that identity is kept (see ParseCapabilityConf).
LoginRules LoadLoginRules(const LoginSources& sources, const LoginIdentity* only_for = nullptr);
/// The same, through `sys` (tests: the fake filesystem, with failures injected).
LoginRules LoadLoginRules(SysOps& sys, const LoginSources& sources,
                          const LoginIdentity* only_for = nullptr);

}  // namespace capset
