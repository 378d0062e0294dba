// SPDX-License-Identifier: LGPL-2.1-or-later
// capset (internal) — replacing a file capset writes (the record of applied files, a unit
// drop-in) so that no reader ever sees half of it and nothing is written through a link.
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "capset/status.h"

namespace capset::sys {

/// Replaces `name` in the directory `dirfd` with `text`: a new file (O_EXCL | O_NOFOLLOW, so a
/// planted link or file is never written through) with permission bits `mode` whatever the
/// umask, with `durable` fsync'ed (and the directory after the rename), renamed over the old
/// one; removed again on any failure. `shown` names the file in errors.
Status ReplaceFileAt(int dirfd, const std::string& name, std::string_view text, mode_t mode,
                     bool durable, const std::string& shown);

}  // namespace capset::sys
