// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — whether bytes are valid UTF-8, for every output that is text (YAML, JSON, unit
// files, messages).
// Thread-safety: pure function.
#pragma once

#include <string_view>

namespace capset {

/// Whether `text` is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace capset
