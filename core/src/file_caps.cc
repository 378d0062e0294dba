// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_caps.h"

#include "capset/iab.h"

namespace capset {

Result<FileCaps> FileCaps::FromText(std::string_view text) {
  CAPSET_ASSIGN_OR_RETURN(CapState state, CapState::FromText(text));
  FileCaps fc;
  fc.permitted = state.permitted;
  fc.inheritable = state.inheritable;
  // The kernel stores one effective bit for the whole file (VFS_CAP_FLAGS_EFFECTIVE): on exec
  // either nothing or everything permitted|inheritable becomes effective. libcap's rule, kept
  // exactly so that capctl accepts what setcap accepts: a non-empty effective set must cover
  // permitted|inheritable; effective bits beyond them are dropped.
  if (state.effective != 0 && ((fc.permitted | fc.inheritable) & ~state.effective) != 0) {
    return Status(Code::kInvalidArgument,
                  "capability text '" + std::string(text) +
                      "' cannot be stored on a file: the effective set must be empty or include "
                      "every permitted and inheritable capability (e.g. 'cap_x=ep' or 'cap_x=p')");
  }
  fc.effective = state.effective != 0;
  return fc;
}

std::string FileCaps::ToText() const {
  return CapState{EffectiveMask(), permitted, inheritable}.ToText();
}

std::string FileCapsDiff::Letters() const {
  std::string s;
  if (permitted) s += 'p';
  if (inheritable) s += 'i';
  if (effective) s += 'e';
  return s;
}

FileCapsDiff Compare(const FileCaps& have, const FileCaps& want) {
  FileCapsDiff d;
  d.permitted = have.permitted != want.permitted;
  d.inheritable = have.inheritable != want.inheritable;
  d.effective = have.EffectiveMask() != want.EffectiveMask();
  d.rootid = have.rootid != want.rootid;
  return d;
}

}  // namespace capset
