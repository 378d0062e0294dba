// SPDX-License-Identifier: LGPL-2.1-or-later
#include <sys/prctl.h>

#include <cerrno>
#include <memory>

#include "capset/status.h"
#include "capset/process.h"
#include "sys/libcap.h"

namespace capset {
namespace {
using internal::CapFree;
using CapPtr = std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree>;
}  // namespace

Result<CapState> GetProcessCaps() {
  CapPtr caps(cap_get_proc());
  if (!caps) return FromErrno(errno, "read the process capabilities");
  std::unique_ptr<char, CapFree> text(cap_to_text(caps.get(), nullptr));
  if (!text) return FromErrno(errno, "read the process capabilities");
  return CapState::FromText(text.get());
}

Status RaiseEffective(int cap) {
  // SECURITY: raises only a capability the process already holds in its permitted set; the
  // kernel refuses anything else. Nothing is added to the permitted or inheritable sets.
  CapPtr caps(cap_get_proc());
  if (!caps) return FromErrno(errno, "read the process capabilities");
  const auto value = static_cast<cap_value_t>(cap);
  cap_flag_value_t permitted = CAP_CLEAR, effective = CAP_CLEAR;
  cap_get_flag(caps.get(), value, CAP_PERMITTED, &permitted);
  cap_get_flag(caps.get(), value, CAP_EFFECTIVE, &effective);
  if (permitted != CAP_SET || effective == CAP_SET) return Status::Ok();
  if (cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &value, CAP_SET) != 0 ||
      cap_set_proc(caps.get()) != 0) {
    return FromErrno(errno, "raise an effective capability");
  }
  return Status::Ok();
}

Result<CapState> LimitProcessCaps(CapMask keep) {
  // SECURITY: only ever lowers. The bounding set first, while CAP_SETPCAP (which the kernel
  // wants for PR_CAPBSET_DROP) may still be held; it goes with the rest below.
  CAPSET_ASSIGN_OR_RETURN(CapState have, GetProcessCaps());
  if (have.permitted & CapBit(CAP_SETPCAP)) {
    CAPSET_RETURN_IF_ERROR(RaiseEffective(CAP_SETPCAP));
    for (int c = 0; c < 64; ++c) {
      if (keep & CapBit(c)) continue;
      const int in_set = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
      if (in_set < 0) break;  // past the kernel's last capability
      if (in_set == 1 && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
        return FromErrno(errno, "drop a capability from the bounding set");
      }
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return FromErrno(errno, "clear the ambient capabilities");
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return FromErrno(errno, "set no_new_privs");
  }
  CapPtr caps(cap_init());
  if (!caps) return FromErrno(errno, "allocate a capability set");
  const CapMask kept = have.permitted & keep;
  for (int c = 0; c < 64; ++c) {
    if (!(kept & CapBit(c))) continue;
    const auto value = static_cast<cap_value_t>(c);
    cap_set_flag(caps.get(), CAP_PERMITTED, 1, &value, CAP_SET);
    cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &value, CAP_SET);
  }
  if (cap_set_proc(caps.get()) != 0) {
    return FromErrno(errno, "drop capabilities");
  }
  return GetProcessCaps();
}

CapMask ProcessBoundingSet() {
  CapMask mask = 0;
  for (int c = 0; c < 64; ++c) {
    const int in_set = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
    if (in_set < 0) break;
    if (in_set == 1) mask |= CapBit(c);
  }
  return mask;
}

}  // namespace capset
