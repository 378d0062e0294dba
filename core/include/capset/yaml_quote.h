// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — the one way a string is written into YAML that capset generates (capctl audit
// --policy-out, capctl profile): a double-quoted scalar written by libyaml's own emitter, which
// escapes every character that YAML would read as structure or refuse as unprintable, so that
// the policy parser reads back exactly the same bytes (tested through the parser).
//
// YAML is Unicode text: a name that is not valid UTF-8 cannot be written so that it reads
// back as the same bytes, and is an error (the caller leaves that entry out and says so).
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>

#include "capset/status.h"
#include "capset/utf8.h"

namespace capset {

/// `"..."` for `text`, or kInvalidArgument when `text` is not valid UTF-8.
Result<std::string> YamlQuoted(std::string_view text);

}  // namespace capset
