// SPDX-License-Identifier: LGPL-2.1-or-later
// Include libcap through this header only.
//
// <sys/capability.h> declares the capset(2) system call as a global function named
// `capset`, which clashes with our namespace of the same name. We never call capset(2)
// directly (libcap's cap_set_proc does), so the declaration is renamed out of the way.
#pragma once

#define capset capset_syscall_declared_by_libcap
#include <sys/capability.h>
#undef capset

namespace capset::internal {

/// The deleter of everything libcap allocates (cap_t, cap_iab_t, text).
struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};

}  // namespace capset::internal
