// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — turning a service policy into a systemd drop-in, and the checks that must pass
// first (the traps systemd-analyze verify does not catch).
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capset/policy.h"
#include "capset/unit_settings.h"
#include "capset/unit_template.h"

namespace capset {

/// The drop-in file name capset writes into NAME.service.d/.
inline constexpr const char kDropInName[] = "50-capset.conf";

/// The [Service] settings of a service after its template and its own settings (the last
/// assignment of a key wins, as in systemd for single-valued settings).
std::vector<std::pair<std::string, std::string>> EffectiveSettings(const ServicePolicy& service,
                                                                   const UnitTemplate* tmpl);

/// Renders the drop-in. `tmpl` must be the service's template (or null if it has none). Every
/// value goes through DropInValue() and every comment through DropInComment()
/// (unit_syntax.h): a value systemd would read as more than one is an error (the parser
/// refuses such policies first; this is the last line).
Result<std::string> RenderDropIn(const ServicePolicy& service, const UnitTemplate* tmpl);

struct LintOptions {
  /// systemd's version on the target (0: unknown). Some traps depend on it.
  int systemd_version = 0;
  /// The capabilities on a binary, if it has any (policy files: entries, or the disk).
  std::function<std::optional<FileCaps>(const std::string& path)> file_caps;
  /// systemd's system call groups (systemd-analyze syscall-filter); null or empty: the
  /// SystemCallFilter= trap is not checked.
  const SyscallGroups* syscall_groups = nullptr;
  /// The unit's own assignments (its fragment and drop-ins, unit_files.h), for its PIDFile=
  /// and the directories it writes; unset: not checked.
  std::function<std::vector<UnitAssignment>(const std::string& unit)> unit_assignments;
};

/// The traps: ambient capabilities outside the effective bounding set (including what
/// PrivateDevices=, ProtectKernelModules=, ProtectKernelLogs=, ProtectClock= remove), ambient
/// capabilities for root, file capabilities under (implied) NoNewPrivileges=, CAP_SETUID lost
/// to User= + seccomp on systemd >= 255, a bounding capability whose system calls
/// SystemCallFilter= blocks (CAP_SETUID/CAP_SETGID/CAP_SYS_CHROOT/CAP_CHOWN against
/// ~@privileged; chroot is not in @system-service), the unit's PIDFile= or what a known daemon
/// writes (known_daemons.h) made read-only by ProtectSystem=, and ProtectHome= against a
/// daemon that serves home directories. Each finding says why and how to fix it.
std::vector<Diagnostic> LintService(const ServicePolicy& service, const UnitTemplate* tmpl,
                                    const LintOptions& options);

/// Capabilities a sandboxing setting removes from the bounding set, with the setting's name.
struct RemovedCaps {
  std::string setting;
  CapMask caps;
};
std::vector<RemovedCaps> CapsRemovedBySettings(
    const std::vector<std::pair<std::string, std::string>>& settings);

/// "CAP_A CAP_B", systemd's spelling.
std::string SystemdCapList(CapMask mask);

}  // namespace capset
