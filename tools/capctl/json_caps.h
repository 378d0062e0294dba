// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl — the JSON shape of a file capability, shared by every --json output.
#pragma once

#include <nlohmann/json.hpp>

#include "capset/file_caps.h"

namespace capset::capctl {

/// {"text", "permitted": [...], "inheritable": [...], "effective": bool, "rootid",
///  "host_effective": bool}: host_effective is false for a v3 capability whose root id is not
/// 0, which grants nothing on the host.
nlohmann::json FileCapsJson(const FileCaps& caps);

}  // namespace capset::capctl
