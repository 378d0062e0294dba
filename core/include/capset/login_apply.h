// capset — applying a login rule to the calling process.
// Thread-safety: changes the calling thread's capabilities (call before starting threads).
#pragma once

#include "capset/login_policy.h"
#include "capset/status.h"

namespace capset {

/// Applies `rule`: kAll changes nothing; kNone clears the inheritable set (and with it the
/// ambient set; the bounding set is left alone, as pam_cap does); kIab sets the inheritable
/// and ambient sets to exactly the rule's and drops its bounding-set capabilities. With
/// `keepcaps`, also sets PR_SET_KEEPCAPS so permitted capabilities survive a later setuid().
Status ApplyLoginRule(const LoginRule& rule, bool keepcaps);

}  // namespace capset
