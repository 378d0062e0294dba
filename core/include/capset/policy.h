// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the policy: one YAML document type for every component (capset.policy(5)).
//
//   version: 1                # optional; the only version so far
//   files:    [FileEntry...]  # file capabilities (capctl policy apply, capsetd)
//   services: {NAME.service: ServicePolicy}   # systemd drop-ins (capctl unit, the generator)
//   users:    [UserRule...]   # login-time grants (pam_capset.so)
//   capsetd:  {allow: [CapsetdRule...]}       # who may ask capsetd for what
//
// Every value remembers where it came from (file:line:column), so every later finding
// (lint, generator refusals) can point at the line to fix.
// Thread-safety: values.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "capset/capability.h"
#include "capset/file_caps.h"

namespace capset {

struct SourceLocation {
  std::string file;
  int line = 0;                  ///< 1-based; 0 = unknown
  int column = 0;                ///< 1-based
  std::string ToString() const;  ///< "file:line:column"
};

struct FileEntry {
  std::string path;
  FileCaps caps;
  std::string caps_text;
  std::string package;  ///< optional
  enum class Fallback { kNone, kSetuid } fallback = Fallback::kNone;
  std::optional<std::string> owner;  ///< user name or number
  std::optional<std::string> group;
  std::optional<unsigned> mode;  ///< permission bits, e.g. 0755
  SourceLocation where;
};

struct ServicePolicy {
  std::string name;                  ///< "nginx.service"
  std::optional<std::string> user;   ///< User=; absent with dynamic_user means DynamicUser=
  std::optional<std::string> group;  ///< Group=
  bool dynamic_user = false;
  CapMask ambient = 0;
  std::optional<CapMask> bounding;  ///< absent: the ambient set (least privilege)
  std::string template_name;        ///< a profile from unit-templates/ ("" = none)
  bool no_new_privileges = true;
  std::vector<std::string> secure_bits;
  std::optional<std::string> exec;  ///< the binary, for the file-capability checks
  /// Extra [Service] settings, applied after the template's (key, value), in order.
  std::vector<std::pair<std::string, std::string>> settings;
  SourceLocation where;
  std::map<std::string, SourceLocation> key_where;  ///< where each key was written
};

struct UserRule {
  std::string match;  ///< "name", "@group" or "*"
  CapMask inheritable = 0;
  CapMask ambient = 0;
  CapMask drop_bounding = 0;
  SourceLocation where;
};

struct CapsetdRule {
  std::optional<std::string> user;
  std::optional<std::string> group;
  std::vector<std::string> actions;  ///< "apply", "verify"
  SourceLocation where;
};

struct Policy {
  std::vector<FileEntry> files;
  std::vector<ServicePolicy> services;  ///< in file order
  std::vector<UserRule> users;
  std::vector<CapsetdRule> capsetd_allow;
  std::vector<std::string> sources;  ///< the files it was read from, in order
};

/// A problem found in a policy or a unit, pointing at its source.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  SourceLocation where;
  std::string message;           ///< what is wrong and what was expected
  std::string ToString() const;  ///< "file:line:column: error: message"
};

}  // namespace capset
