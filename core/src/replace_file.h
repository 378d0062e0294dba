// SPDX-License-Identifier: LGPL-2.1-or-later
// capset (internal) — replacing a file capset writes (the record of applied files, a unit
// drop-in) so that no reader ever sees half of it and nothing is written through a link.
// Every step goes through SysOps, so fault_injection_test fails each one and crashes between
// them. Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

/// The prefix of the temporary files ReplaceFileAt creates for `name` (".NAME."): a crash
/// between its steps can leave one behind, which readers ignore and the next replace of the
/// same name may remove.
std::string ReplaceTempPrefix(const std::string& name);

/// Replaces `name` in the directory `dirfd` with `text`: a new file (O_EXCL | O_NOFOLLOW, so a
/// planted link or file is never written through) with permission bits `mode` whatever the
/// umask, with `durable` fsync'ed (and the directory after the rename), renamed over the old
/// one; removed again on any failure. `shown` names the file in errors.
Status ReplaceFileAt(SysOps& sys, int dirfd, const std::string& name, std::string_view text,
                     mode_t mode, bool durable, const std::string& shown);

}  // namespace capset
