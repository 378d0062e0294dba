// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — whether bytes are valid UTF-8, for every output that is text (YAML, JSON, unit
// files, messages).
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace capset {

/// Whether `text` is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view text);

/// The length of the valid UTF-8 sequence starting at text[i] (1 for ASCII), 0 when the bytes
/// there are no valid sequence. For escapers that keep characters and escape stray bytes.
size_t Utf8SequenceAt(std::string_view text, size_t i);

}  // namespace capset
