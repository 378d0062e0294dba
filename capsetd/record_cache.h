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

#include <memory>
#include <string>

#include "capset/file_policy_run.h"
#include "capset/sys_ops.h"

namespace capset::capsetd {

class RecordCache {
 public:
  explicit RecordCache(std::string root, SysOps& sys = RealSys());

  /// The record as it is now; read again only when the watch no longer holds.
  std::shared_ptr<const RecordSnapshot> Current();

  /// How many times the record was read (for tests).
  size_t reads() const { return reads_; }

 private:
  std::string root_;
  SysOps& sys_;
  StatWatch watch_;
  std::shared_ptr<const RecordSnapshot> snapshot_;
  size_t reads_ = 0;
};

}  // namespace capset::capsetd
