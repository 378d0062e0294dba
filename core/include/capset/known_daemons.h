// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what capset knows about common Debian daemons: the capabilities each needs, the
// user it can run as (or why it stays root), the template that does not trap it, and where
// that knowledge comes from. capctl audit --services suggests from here when no profile of
// the unit is kept (capctl profile --unit).
// Thread-safety: immutable data.
#pragma once

#include <string_view>
#include <vector>

namespace capset {

struct KnownDaemon {
  const char* unit;     ///< "ssh.service"
  const char* program;  ///< the daemon's file name, for units named otherwise ("sshd")
  const char* package;  ///< the Debian package
  /// The user it can run as, or nullptr: it stays root (it switches to its users itself) and
  /// only its bounding set shrinks.
  const char* user;
  const char* caps;  ///< capability names, space-separated
  const char* template_name;
  const char* read_write_paths;  ///< what it writes that the template makes read-only
  /// More [Service] settings it needs against the template, "Key=value" separated by ';'.
  const char* settings;
  bool serves_home;              ///< it serves or logs into home directories (ProtectHome=)
  bool runs_setid_helpers;       ///< its children run set-ID programs (no NoNewPrivileges=)
  const char* why;
  const char* source;
};

/// The knowledge base, in unit-name order.
const std::vector<KnownDaemon>& KnownDaemons();

/// The entry for `unit`, else for the file name of `exec`; nullptr if none.
const KnownDaemon* FindKnownDaemon(std::string_view unit, std::string_view exec);

}  // namespace capset
