// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — capctl audit: the set-user-ID/set-group-ID binaries and file capabilities of a
// system, against the policy, with what capabilities can replace set-user-ID root for
// well-known programs (and which programs they cannot replace).
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "capset/policy.h"
#include "capset/vfs_cap.h"

namespace capset {

/// What is known about a program by its file name.
struct KnownBinary {
  const char* name;    ///< file name, e.g. "ping"
  const char* caps;    ///< the minimal file capabilities, or nullptr: not replaceable
  const char* why;     ///< what it needs them for, or why capabilities cannot replace setuid
  const char* source;  ///< where this comes from (packaging, upstream documentation)
};

/// The knowledge base, sorted by name.
const std::vector<KnownBinary>& KnownBinaries();
const KnownBinary* FindKnownBinary(std::string_view name);

/// A privileged file found on disk.
struct AuditedFile {
  std::string path;         ///< on disk
  std::string policy_path;  ///< the same below the root ("/usr/bin/ping")
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  std::optional<VfsCap> caps;
  /// Why someone other than root could change the file or a directory above it (the trust
  /// rule, trust.h), or nullopt. No replacement is ever suggested for such a file.
  std::optional<std::string> untrusted;
};

/// Walks `dirs` (not following symlinks, not leaving each one's filesystem) and returns the
/// regular files that are set-user-ID, set-group-ID or have capabilities. `root` is cut
/// from the front of each path to give policy_path. Unreadable entries go to `errors`.
std::vector<AuditedFile> InventoryPrivilegedFiles(const std::vector<std::string>& dirs,
                                                  const std::string& root,
                                                  std::vector<std::string>& errors);

struct AuditFinding {
  enum class Kind {
    kPolicyOk,         ///< in the policy and as it says
    kPolicyDrift,      ///< in the policy, but different
    kReplaceable,      ///< set-user-ID/-group-ID; known capabilities replace it
    kUntrusted,        ///< set-user-ID/-group-ID, but someone other than root could change it
    kNotReplaceable,   ///< set-user-ID/-group-ID; capabilities cannot replace it
    kUnknown,          ///< set-user-ID/-group-ID; nothing known about it
    kCapsNotInPolicy,  ///< has capabilities the policy does not mention
  };
  AuditedFile file;
  Kind kind = Kind::kUnknown;
  const FileEntry* entry = nullptr;  ///< kPolicyOk, kPolicyDrift
  const KnownBinary* known = nullptr;
  std::string detail;
};

/// "policy-ok", "policy-drift", "replaceable", "untrusted", "not-replaceable", "unknown",
/// "caps-not-in-policy".
const char* AuditKindName(AuditFinding::Kind kind);

std::vector<AuditFinding> Audit(const std::vector<AuditedFile>& files, const Policy& policy);

/// A policy file (capset.policy(5)) with a files: entry for every kReplaceable finding, every
/// string quoted by YamlQuoted (yaml_quote.h). A path YAML cannot hold (not UTF-8) is left
/// out, and named in `ret_skipped`.
std::string SuggestedPolicy(const std::vector<AuditFinding>& findings,
                            std::vector<std::string>* ret_skipped = nullptr);

}  // namespace capset
