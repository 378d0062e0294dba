// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the record of applied files, as a Verify (or a dry run) reads it, kept until the
// record or a directory on the way to it changes.
//
// SECURITY: the snapshot holds what the record said and whether it passed the trust rule
// when it was read; the watch (RecordSnapshotWatch, stat_watch.h) was taken before that read
// and covers the record and every directory from "/" to it, so any change to what that
// judgement rests on — the record rewritten or replaced (an apply's rename), an owner, a mode
// or an ACL changed (ctime), a directory replaced — reads it again. An apply never uses this:
// it reads the record under the writers' lock.
// Thread-safety: one object, one thread (the event loop).
#pragma once

#include <string>

#include "capset/file_policy_run.h"
#include "capset/sys_ops.h"
#include "watched_read.h"

namespace capset::capsetd {

/// The record under `root` as a run that writes nothing reads it (ReadRecordSnapshot), read
/// again only when it or a directory above it changed (RecordSnapshotWatch).
class RecordCache : public WatchedRead<RecordSnapshot> {
 public:
  explicit RecordCache(const std::string& root, SysOps& sys = RealSys());
};

}  // namespace capset::capsetd
