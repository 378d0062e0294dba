// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the capability state of the calling process.
// Thread-safety: capabilities are per thread in the kernel; call before starting threads.
#pragma once

#include "capset/iab.h"
#include "capset/status.h"

namespace capset {

/// The calling process's effective, permitted and inheritable sets.
Result<CapState> GetProcessCaps();

/// Makes `cap` effective if it is permitted and not yet effective (what setcap does for
/// CAP_SETFCAP). Not permitted is not an error here: the operation that needs it will fail
/// with EPERM and say so.
Status RaiseEffective(int cap);

/// Narrows the process to the capabilities of `keep` it holds: permitted = effective =
/// permitted & keep, nothing inheritable or ambient, no_new_privs set, and — where it holds
/// CAP_SETPCAP to do so — a bounding set of `keep` only. Without CAP_SETPCAP the bounding set
/// stays as it was given (no_new_privs then keeps exec from using it). Returns the new state.
/// For daemons that were started with more than they need.
Result<CapState> LimitProcessCaps(CapMask keep);

/// The calling process's bounding set.
CapMask ProcessBoundingSet();

}  // namespace capset
