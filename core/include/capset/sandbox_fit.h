// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — what a hardening template (unit_template.h) would take away from a profiled
// program besides capabilities: the paths it wrote that ProtectSystem=/ProtectHome= make
// read-only (ReadWritePaths=), the address families RestrictAddressFamilies= refuses, and the
// system calls SystemCallFilter= blocks — so that a generated unit starts on the first try.
// The settings are read as systemd reads them: a list that starts without '~' allows, one
// that starts with '~' denies, and later lists add to or take from the first.
// Pure logic (no system calls but `SandboxContext::exists`), unit-tested.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "capset/profile.h"
#include "capset/unit_settings.h"

namespace capset {

/// What the program did outside what is always allowed.
struct SandboxContext {
  std::string working_directory = "/";  ///< relative paths are relative to it
  /// Writable whatever the template says (StateDirectory= and its kin).
  std::vector<std::string> writable;
  /// Whether `path` names something now (an O_CREAT of an existing file writes only it).
  std::function<bool(const std::string&)> exists;
};

struct SandboxNeeds {
  std::vector<std::string> read_write_paths;  ///< for ReadWritePaths=, minimal and sorted
  std::vector<std::string> address_families;  ///< used but refused: "AF_NETLINK", ...
  std::vector<std::string> syscalls;          ///< made but blocked: "chroot", ...
  std::vector<std::string> notes;             ///< what no setting here can fix
};

/// What `settings` (a template's [Service] lines, in order) would refuse of `run`.
SandboxNeeds FitTemplate(const TracedRun& run,
                         const std::vector<std::pair<std::string, std::string>>& settings,
                         const SyscallGroups& groups, const SandboxContext& context);

/// "AF_INET", or "AF_42" for a family without a name here.
std::string AddressFamilyName(int family);

/// The AF_* names of `families` (bit N: family N).
std::vector<std::string> AddressFamilyNames(uint64_t families);

/// A template for a service that did `run`: network-daemon where it used IPv4 or IPv6 sockets,
/// strict (no network at all) otherwise.
std::string SuggestTemplate(const TracedRun& run);

/// `path` made absolute against `cwd` and lexically normalized ("a/../b" → "/b").
std::string NormalizePath(const std::string& path, const std::string& cwd);

}  // namespace capset
