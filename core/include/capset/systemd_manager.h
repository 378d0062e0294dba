// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the running systemd manager, over its D-Bus API (sd-bus, libsystemd): what a unit
// is and runs as, and the jobs capctl asks of it (reload, restart, stop), waited for to their
// end as systemctl waits. Used by capctl profile --unit.
// Thread-safety: one SystemdManager per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capset/status.h"

namespace capset {

/// A unit's properties, as the manager has them loaded.
struct UnitInfo {
  std::string name;          ///< "web.service"
  std::string load_state;    ///< "loaded", "not-found", "masked", ...
  std::string active_state;  ///< "active", "inactive", "failed", "activating", ...
  std::string user;          ///< User= ("" = root)
  std::string group;         ///< Group=
  bool dynamic_user = false;
  std::string control_group;  ///< "/system.slice/web.service" ("" when not running)
  std::string slice;          ///< "system.slice"
  std::string working_directory;
  std::string exec;  ///< the program of the first ExecStart= ("" if none)
  /// Directories systemd makes writable for it (StateDirectory= and its kin), absolute.
  std::vector<std::string> own_directories;
  std::string fragment_path;  ///< the unit file
};

/// One D-Bus property, decoded by its signature (the shapes unit properties have).
struct BusValue {
  std::string signature;  ///< "b", "t", "s", "as", "(bas)", "a(iayu)", "a(ss)", ...
  bool flag = false;      ///< "b"; the bool of "(bas)"
  uint64_t number = 0;    ///< "t", "u", "i", "q", "y", "x"
  std::string text;       ///< "s", "o"
  std::vector<std::string> strings;  ///< "as"; the list of "(bas)"; the first of each "a(ss)"
  /// "a(iayu)" (IPAddressAllow=/Deny=): family, address bytes, prefix length.
  struct Ip {
    int family = 0;
    std::vector<uint8_t> address;
    unsigned prefix = 0;
  };
  std::vector<Ip> ips;
};
using BusProperties = std::map<std::string, BusValue>;

/// A loaded unit, as ListUnits has it.
struct ListedUnit {
  std::string name, load_state, active_state, sub_state;
};

class SystemdManager {
 public:
  /// Connects to the system manager (the system bus, or systemd's private socket).
  static Result<std::unique_ptr<SystemdManager>> Connect();
  virtual ~SystemdManager() = default;

  virtual Result<UnitInfo> GetUnit(const std::string& name) = 0;
  /// Every property of `name` on `interface` ("org.freedesktop.systemd1.Unit",
  /// "...Service"); those of shapes BusValue does not hold are left out.
  virtual Result<BusProperties> Properties(const std::string& name,
                                           const std::string& interface) = 0;
  /// The units the manager has loaded whose names end in ".service".
  virtual Result<std::vector<ListedUnit>> ListServices() = 0;
  /// Only its ActiveState ("active", "failed", ...): what a watch polls.
  virtual Result<std::string> ActiveState(const std::string& name) = 0;
  /// daemon-reload: returns when the manager has read its units again.
  virtual Status Reload() = 0;
  /// Restarts (or starts) / stops `name` and waits for the job's end; an error says the
  /// job's result ("failed", "timeout", ...).
  virtual Status Restart(const std::string& name) = 0;
  virtual Status Stop(const std::string& name) = 0;
};

/// A unit's cgroup directory name, as systemd escapes it (cg_escape): "_" before a name that
/// starts with "_" or ".", or that could be taken for a cgroup attribute ("cgroup.*", or a
/// controller's name before the last dot: "cpu.service", "memory.slice").
std::string CgroupEscape(const std::string& name);

/// The cgroup path of a slice: "system.slice" → "/system.slice", "a-b.slice" →
/// "/a.slice/a-b.slice", "-.slice" → "/" (each part escaped by CgroupEscape).
std::string SliceCgroupPath(const std::string& slice);

}  // namespace capset
