// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — profiling a systemd service (capctl profile --unit): a transient permissive
// drop-in (every capability in its bounding and ambient sets, optionally another User=), a
// restart traced by the unit's cgroup (profile_tracer.h TraceUnit), and the unit put back as
// it was: the drop-in removed, systemd reloaded, the service restarted (or stopped, if it was
// not running), so that nothing keeps the permissive run's capabilities.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "capset/capability.h"
#include "capset/profile.h"
#include "capset/status.h"
#include "capset/systemd_manager.h"

namespace capset {

/// The transient drop-in's file name: after every other drop-in of the unit, so that its
/// settings are the last word.
inline constexpr const char kProfileDropInName[] = "zz-capset-profile.conf";

struct UnitProfileOptions {
  std::string unit;                  ///< "web.service"
  std::optional<std::string> user;   ///< run it as this user instead of its own User=
  std::optional<std::string> group;  ///< with this group
  unsigned duration_s = 0;           ///< 0: until SIGINT/SIGTERM or the service stops
  CapMask grant = 0;                 ///< what the permissive run is given
  std::string drop_in_dir = "/run/systemd/system";
  std::string cgroup_root = "/sys/fs/cgroup";
};

struct UnitProfile {
  UnitInfo unit;  ///< the unit as it was before
  TracedRun run;
  std::vector<std::string> warnings;  ///< what restoring it could not do, and the like
};

/// Whether `name` is a service unit name capctl can profile (unit_syntax.h's
/// InvalidServiceName, and at most 127 bytes): OK or kInvalidArgument saying why.
Status ValidServiceName(const std::string& name);

/// The permissive drop-in's text; an error for a user or group systemd would not read.
Result<std::string> PermissiveDropIn(const UnitProfileOptions& options);

/// Profiles the unit (see above). The unit is put back even when profiling fails.
Result<UnitProfile> ProfileUnit(const UnitProfileOptions& options, SystemdManager& systemd);

}  // namespace capset
