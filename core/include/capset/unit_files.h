// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — a system's service unit files, read as systemd 252 finds and reads them, without
// running systemd (capctl audit --services --root DIR, and the exposure a drop-in would give).
//
// The fragment is the first NAME (or, for an instance, its template NAME@.service) in the
// search path; a symlink there is an alias (its target names the unit) or, to /dev/null, a
// mask; an empty file masks too. Drop-ins are the *.conf files of NAME.service.d/, its
// aliases', its template's, its dash prefixes' ("a-b-.service.d/", "a-.service.d/": of the
// part before '@' for an instance) and service.d/, one per file name (the first search
// directory wins, then the first name), in file-name order after the fragment; a drop-in
// linked to /dev/null masks its name.
//
// Only [Service] and [Unit] assignments count; one outside a section is ignored, as systemd
// ignores it. Specifiers (%i, %n, %t, ...) are expanded in names and paths.
//
// Containment: every path is opened below ROOT with the kernel's RESOLVE_BENEATH and no
// symlinks (safe_path.h); symlinks that systemd follows (aliases, masks, linked drop-ins,
// merged /usr's /lib) are read, not followed, and resolved by capset inside ROOT (an absolute
// target starts again at ROOT, ".." stops there). Unit files grant nothing, so they are not
// held to the trust rule; they are read with a size limit (1 MiB) and never from a FIFO.
// Thread-safety: as safe as the SysOps passed in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "capset/safe_path.h"
#include "capset/service_exposure.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

/// systemd's system unit search path, highest priority first (generator directories
/// included: they hold what generators such as capset-generator made at boot).
const std::vector<std::string>& UnitSearchPath();

/// A unit's files and their assignments.
struct UnitFiles {
  std::string name;      ///< as asked: "sshd.service"
  std::string id;        ///< its own name, after an alias: "ssh.service"
  std::string fragment;  ///< below the root: "/usr/lib/systemd/system/ssh.service"
  bool masked = false;
  std::vector<std::string> aliases;  ///< its other names (links to it): "sshd.service"
  std::vector<std::string> drop_ins;
  std::vector<UnitAssignment> assignments;  ///< fragment first, then drop-ins, in order
};

/// Parses unit file syntax: [Section] lines, Key=Value (both trimmed), '#'/';' comments,
/// a trailing backslash joining the next line (comment lines inside are skipped).
std::vector<UnitAssignment> ParseUnitFile(std::string_view text, const std::string& file);

/// Loads `name` below `root`. Errors: kNotFound (no fragment), kInvalidArgument (not a unit
/// name), kIoError.
Result<UnitFiles> LoadUnitFiles(SysOps& sys, const SafeDir& root, const std::string& name);

/// The service units below `root` that have a fragment or are masked: "*.service" names in
/// the search path, templates ("foo@.service") left out, sorted.
std::vector<std::string> ListServiceUnits(SysOps& sys, const SafeDir& root);

}  // namespace capset
