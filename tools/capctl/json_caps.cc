// SPDX-License-Identifier: LGPL-2.1-or-later
#include "json_caps.h"

namespace capset::capctl {

nlohmann::json FileCapsJson(const FileCaps& caps) {
  return {
      {"text", caps.ToText()},
      {"permitted", CapNames(caps.permitted)},
      {"inheritable", CapNames(caps.inheritable)},
      {"effective", caps.effective},
      {"rootid", caps.rootid},
      {"host_effective", !caps.HostInert()},
  };
}

}  // namespace capset::capctl
