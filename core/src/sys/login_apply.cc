// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/status.h"
#include "capset/login_apply.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "sys/libcap_iab.h"

namespace capset {
namespace {
using internal::CapFree;
}  // namespace

Status ApplyLoginRule(const LoginRule& rule, bool keepcaps) {
  // SECURITY: only ever lowers or sets the inheritable/ambient vectors and lowers the
  // bounding set; the kernel refuses to raise anything the process does not hold (an
  // inheritable capability outside the bounding set needs CAP_SETPCAP, an ambient one must be
  // permitted and inheritable). Failure is returned, never ignored: the caller fails closed.
  switch (rule.kind) {
    case LoginRule::Kind::kAll:
      break;
    case LoginRule::Kind::kNone: {
      std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_get_proc());
      if (!caps) return FromErrno(errno, "read the process capabilities");
      if (cap_clear_flag(caps.get(), CAP_INHERITABLE) != 0 || cap_set_proc(caps.get()) != 0) {
        return FromErrno(errno, "clear the inheritable capabilities");
      }
      break;
    }
    case LoginRule::Kind::kIab: {
      internal::CapIabPtr iab = internal::ToCapIab(rule.iab);
      if (!iab) return FromErrno(errno, "build the IAB", rule.iab.ToText());
      if (cap_iab_set_proc(iab.get()) != 0) {
        return FromErrno(errno, "set the IAB", rule.iab.ToText());
      }
      break;
    }
  }
  if (keepcaps && ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    return FromErrno(errno, "set PR_SET_KEEPCAPS");
  }
  return Status::Ok();
}

Status NarrowToGrant() {
  // SECURITY: keepcaps kept root's whole permitted set across the application's setuid();
  // once the ambient set is raised, nothing but the ambient capabilities is needed (exec
  // recomputes P' = A for a program without file capabilities). Only ever lowers.
  uid_t r = 0, e = 0, s = 0;
  if (::getresuid(&r, &e, &s) != 0) return FromErrno(errno, "read the user ids");
  if (r == 0 || e == 0 || s == 0) return ClearKeepCaps();
  std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_get_proc());
  if (!caps) return FromErrno(errno, "read the process capabilities");
  for (int c = 0; c < 64; ++c) {
    const int ambient = ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0);
    if (ambient < 0) break;  // past the kernel's last capability
    const auto value = static_cast<cap_value_t>(c);
    const cap_flag_value_t keep = ambient == 1 ? CAP_SET : CAP_CLEAR;
    if (cap_set_flag(caps.get(), CAP_PERMITTED, 1, &value, keep) != 0 ||
        cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &value, keep) != 0) {
      return FromErrno(errno, "build the narrowed capability set");
    }
  }
  if (cap_set_proc(caps.get()) != 0) {
    return FromErrno(errno, "narrow the permitted set to the ambient set");
  }
  return ClearKeepCaps();
}

Status ClearKeepCaps() {
  // SECURITY: PR_SET_KEEPCAPS left set would let the next setuid() of this process keep its
  // permitted set; it is cleared wherever nothing uses it any more (after the deferred apply,
  // and at close_session in the application). Only ever removes a privilege.
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
    return FromErrno(errno, "clear PR_SET_KEEPCAPS");
  }
  return Status::Ok();
}

}  // namespace capset
