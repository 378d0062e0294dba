// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — FileCaps: the capabilities stored on a file (security.capability).
//
// A value type: permitted and inheritable masks, the single effective flag the kernel
// stores (when set, every permitted or inheritable capability is raised on exec), and the
// namespace root id of a v3 capability (0 = the capability is valid in the initial user
// namespace; anything else grants nothing on the host).
//
// Text goes through libcap's own parser and printer (cap_from_text(3), cap_to_text(3)), so
// capctl prints exactly what getcap prints and accepts exactly what setcap accepts.
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "capset/capability.h"
#include "capset/status.h"

namespace capset {

struct FileCaps {
  CapMask permitted = 0;
  CapMask inheritable = 0;
  bool effective = false;
  uint32_t rootid = 0;

  /// Parses libcap's text form ("cap_net_raw=ep", "cap_a,cap_b+p cap_c+i", "=", numbers).
  /// The text must describe a set the kernel can store: effective either empty or a superset
  /// of permitted|inheritable (libcap's rule). Errors are kInvalidArgument and quote the text.
  static Result<FileCaps> FromText(std::string_view text);

  /// libcap's canonical text, byte for byte what getcap prints (rootid not included).
  std::string ToText() const;

  /// The effective set as libcap models it: permitted|inheritable if `effective`, else 0.
  CapMask EffectiveMask() const { return effective ? (permitted | inheritable) : 0; }

  /// True if the capability means nothing on the host: a v3 capability whose root id is not
  /// the initial namespace's root.
  bool HostInert() const { return rootid != 0; }

  friend bool operator==(const FileCaps&, const FileCaps&) = default;
};

/// What differs between two FileCaps, as setcap -v reports it ("p", "i", "e") plus the root id.
struct FileCapsDiff {
  bool permitted = false;
  bool inheritable = false;
  bool effective = false;
  bool rootid = false;
  bool any() const { return permitted || inheritable || effective || rootid; }
  /// "pie"-style letters, as setcap prints inside "differs in [...]".
  std::string Letters() const;
};

FileCapsDiff Compare(const FileCaps& have, const FileCaps& want);

}  // namespace capset
