// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — writing a unit drop-in (UNIT.d/50-capset.conf) into an output directory: what the
// generator does at every boot and `capctl unit generate --output DIR` on request.
//
// SECURITY: a drop-in grants a service its capabilities, so it is a file capset writes
// privilege to. The output directory must pass the trust rule (safe_path.h: it and every
// directory above it root's), so that nobody else can plant a symbolic link for root to write
// through or change the drop-in afterwards; UNIT.d is created (0755) or, if it exists, opened
// without following a symbolic link and checked the same way; the drop-in is written to a new
// file (O_EXCL) and renamed over the old one, so an existing file or link is never written
// through and systemd never reads half a drop-in.
// Thread-safety: reentrant (distinct units may be written from distinct threads).
#pragma once

#include <string>

#include "capset/safe_path.h"
#include "capset/status.h"
#include "capset/unit_gen.h"

namespace capset {

/// Opens and checks an output directory for drop-ins (the trust rule, no symbolic links).
Result<SafeDir> OpenDropInDirectory(const std::string& path);

/// Writes `text` as `dir`/`unit`.d/`file` (see above). Errors name the path.
Status WriteDropIn(const SafeDir& dir, const std::string& unit, const std::string& text,
                   const std::string& file = kDropInName);

/// Removes `dir`/`unit`.d/`file` (and UNIT.d if that leaves it empty); none there is no error.
Status RemoveDropIn(const SafeDir& dir, const std::string& unit, const std::string& file);

/// Writes `text` as `dir`/`sub`/`name` with `mode`, as WriteDropIn writes a drop-in (`sub`
/// created 0755 or opened without following a link and checked; a new file renamed over).
Status WriteFileInSubdirectory(const SafeDir& dir, const std::string& sub, const std::string& name,
                               const std::string& text, mode_t mode);

}  // namespace capset
