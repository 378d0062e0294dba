// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — a service's exposure, computed as `systemd-analyze security` computes it (systemd
// 252's 81 checks, their weights and ranges: the same number on the same unit; the tests
// compare with the systemd-analyze on the machine), from the settings it reads.
//
// Each check gives a badness from 0 to its range (or "not applicable"); the exposure is
//   ceil(100 * sum(ceil(badness * weight / range)) / sum(weight)),
// 0..100, printed in tenths ("9.6") with systemd's level names (UNSAFE, OK, ...).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "capset/unit_settings.h"

namespace capset {

/// What systemd-analyze security reads of a unit (its bus properties or, offline, the loaded
/// unit), with systemd's defaults for what a unit does not say.
struct SecuritySettings {
  bool default_dependencies = true;
  uint64_t ambient = 0;
  uint64_t bounding = ~uint64_t{0};
  std::string user;  ///< User= ("" unset)
  bool dynamic_user = false;
  bool supplementary_groups = false;  ///< any SupplementaryGroups=
  bool ip_deny_all = false;           ///< IPAddressDeny= of 0.0.0.0/0 and ::/0
  bool ip_allow_localhost = false;
  bool ip_allow_other = false;
  bool ip_custom_filters = false;  ///< IPIngressFilterPath=/IPEgressFilterPath=
  std::string keyring_mode = "private";
  std::string protect_proc = "default";
  std::string proc_subset = "all";
  std::string notify_access = "none";
  bool lock_personality = false;
  bool memory_deny_write_execute = false;
  bool no_new_privileges = false;
  bool protect_hostname = false;
  bool private_devices = false;
  bool private_mounts = false;
  bool private_network = false;
  bool private_tmp = false;
  bool private_users = false;
  bool protect_control_groups = false;
  bool protect_kernel_modules = false;
  bool protect_kernel_tunables = false;
  bool protect_kernel_logs = false;
  bool protect_clock = false;
  std::string protect_home = "no";
  std::string protect_system = "no";
  bool remove_ipc = false;
  /// Whether each family group is refused by RestrictAddressFamilies=.
  bool restrict_inet = false, restrict_unix = false, restrict_netlink = false,
       restrict_packet = false, restrict_other = false;
  /// The namespace kinds (CLONE_NEW* bits) the service may create.
  uint64_t namespaces_allowed = ~uint64_t{0};
  bool restrict_realtime = false;
  bool restrict_suid_sgid = false;
  std::string root_directory, root_image;
  bool delegate = false;
  std::string device_policy = "auto";
  bool device_allow = false;  ///< any DeviceAllow=
  std::set<std::string> syscall_archs;
  bool syscall_allow_list = false;
  std::set<std::string> syscall_filter;  ///< system call names (groups expanded)
  unsigned umask = 0022;
};

/// One check's result.
struct ExposureCheck {
  const char* id = "";      ///< "PrivateNetwork=", as systemd-analyze names it
  const char* json_field = "";  ///< "PrivateNetwork"
  uint64_t weight = 0, range = 0;
  bool applicable = true;
  uint64_t badness = 0;     ///< 0 (good) .. range (bad), when applicable
  std::string description;  ///< systemd-analyze's words for it
  /// Its share of the exposure, in tenths as systemd-analyze prints it (0 when good or n/a).
  unsigned share = 0;
};

struct Exposure {
  unsigned value = 0;  ///< 0..100; systemd-analyze prints value/10 "." value%10
  std::vector<ExposureCheck> checks;
};

/// Whether `name` is a system call of this architecture (systemd skips the others).
using SyscallExists = std::function<bool(const std::string&)>;

Exposure AssessExposure(const SecuritySettings& settings, const SyscallGroups& groups,
                        const SyscallExists& exists);

/// "9.6".
std::string ExposureText(unsigned value);
/// systemd's level: DANGEROUS (≥100), UNSAFE (≥90), EXPOSED (≥75), MEDIUM (≥50), OK (≥10),
/// SAFE (≥1), PERFECT.
const char* ExposureLevel(unsigned value);

/// What systemd-analyze security (live, not --offline) adds to a unit's bus properties before
/// it assesses them: PrivateMounts= implied by the settings that mount, and the capabilities
/// ProtectKernelModules=, ProtectKernelLogs=, ProtectClock= and PrivateDevices= take away.
void AdjustAsLiveAnalysis(SecuritySettings& settings);

/// The settings of a unit's assignments (its fragment and drop-ins, in order), as systemd's
/// unit loader makes them: later assignments override, list settings add up, an empty one
/// resets, and what the loader itself implies is applied (DynamicUser= makes the sandbox
/// strict; PrivateDevices=, ProtectKernelModules=, ProtectKernelLogs=, ProtectClock= take
/// capabilities from the bounding set; Type=oneshot/DefaultDependencies=). Assignments this
/// reader does not understand are skipped (they do not bear on the exposure).
SecuritySettings SecuritySettingsOf(const std::vector<UnitAssignment>& assignments,
                                    const SyscallGroups& groups);

}  // namespace capset
