// SPDX-License-Identifier: LGPL-2.1-or-later
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

/// After a deferred rule was applied in a process that has changed to the user (every uid
/// non-zero): narrows the permitted and effective sets to the ambient set — all that exec()
/// will give the user's program anyway — and clears PR_SET_KEEPCAPS, so the process holds no
/// more than the user's grant even before it execs (or if it never does). Does nothing for
/// a process with a zero uid (a root login keeps root's capabilities).
Status NarrowToGrant();

/// Clears PR_SET_KEEPCAPS (what the session hook set once nothing needs it any more).
Status ClearKeepCaps();

}  // namespace capset
