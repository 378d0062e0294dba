// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — reading a unit's settings as systemd reads them: its booleans, its list settings
// (SystemCallFilter=, RestrictAddressFamilies=: the first assignment decides allow or deny, a
// later one that agrees adds, one that does not takes away, an empty one resets) and its
// system call groups. Shared by the profiler (what a template would refuse) and the service
// audit (what a unit allows, for its exposure).
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace capset {

/// systemd's system call groups, "@name" → its items (system calls and other groups), as
/// `systemd-analyze syscall-filter` prints them.
using SyscallGroups = std::map<std::string, std::vector<std::string>>;

/// Parses `systemd-analyze syscall-filter` output: a line "@name" starts a group, indented
/// lines are its items, "#" lines are comments. Anything else is skipped.
SyscallGroups ParseSyscallGroups(std::string_view text);

/// The system calls `name` stands for: itself, or a group's items expanded (each group once,
/// so a cycle ends); an unknown group stands for nothing.
std::vector<std::string> ExpandSyscalls(const SyscallGroups& groups, const std::string& name);

/// systemd's parse_boolean: 1/yes/y/true/t/on and 0/no/n/false/f/off (any case), else nullopt.
std::optional<bool> ParseUnitBoolean(std::string_view value);

/// The words of a value as systemd splits them: on blanks, with "..." and '...' quoting and C
/// escapes undone.
std::vector<std::string> UnitWords(std::string_view value);

/// Whether `path` is `dir` or below it (both absolute and normalized; "/" holds everything).
bool PathIsBelow(const std::string& path, const std::string& dir);

/// The directories ProtectSystem=`value` makes read-only: strict "/", full /usr /boot /efi
/// /etc, yes /usr /boot /efi, anything else none.
std::vector<std::string> ReadOnlyUnderProtectSystem(const std::string& value);

/// One assignment of a unit file, in the order systemd reads it.
struct UnitAssignment {
  std::string section;  ///< "Unit", "Service", ...
  std::string key;
  std::string value;
  std::string file;  ///< where, for messages
  int line = 0;
};

/// A list setting's state after its assignments, in order.
struct UnitListSetting {
  bool set = false;         ///< assigned (and not reset since)
  bool allow_list = false;  ///< the first assignment had no '~'
  std::set<std::string> items;

  /// One assignment; `expand` turns a word into items (groups into system calls);
  /// `implicit_allowed` is added when the first assignment makes an allow list
  /// (SystemCallFilter='s "@default"). "name:errno" counts as "name".
  void Assign(std::string_view value,
              const std::function<std::vector<std::string>(const std::string&)>& expand,
              const std::vector<std::string>& implicit_allowed = {});
  bool Allows(const std::string& item) const;
};

}  // namespace capset
