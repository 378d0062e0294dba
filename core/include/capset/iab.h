// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — Iab: the inheritable, ambient and bounding-set-drop vectors of a process
// (libcap's cap_iab_t), as a value type.
//
// Text is libcap's IAB syntax (cap_iab_from_text(3)): comma-separated capabilities, "^" =
// ambient (implies inheritable), "!" = drop from the bounding set, "%" = inheritable only.
// Thread-safety: values.
#pragma once

#include <string>
#include <string_view>

#include "capset/capability.h"
#include "capset/status.h"

namespace capset {

struct Iab {
  CapMask inheritable = 0;
  CapMask ambient = 0;
  CapMask bounding_drop = 0;

  static Result<Iab> FromText(std::string_view text);
  /// libcap's canonical IAB text.
  std::string ToText() const;

  friend bool operator==(const Iab&, const Iab&) = default;
};

/// The capability state of a process: effective, permitted, inheritable (cap_t).
struct CapState {
  CapMask effective = 0;
  CapMask permitted = 0;
  CapMask inheritable = 0;

  /// libcap's process text syntax ("cap_net_raw+ep", "=ep cap_sys_admin-e").
  static Result<CapState> FromText(std::string_view text);
  std::string ToText() const;

  friend bool operator==(const CapState&, const CapState&) = default;
};

}  // namespace capset
