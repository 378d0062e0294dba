// SPDX-License-Identifier: LGPL-2.1-or-later
#include "record_cache.h"

namespace capset::capsetd {

RecordCache::RecordCache(std::string root, SysOps& sys) : root_(std::move(root)), sys_(sys) {}

std::shared_ptr<const RecordSnapshot> RecordCache::Current() {
  if (snapshot_ && watch_.Holds(sys_)) return snapshot_;
  watch_ = RecordSnapshotWatch(sys_, root_);  // before the read: see policy_cache.cc
  snapshot_ = std::make_shared<const RecordSnapshot>(ReadRecordSnapshot(sys_, root_));
  if (!watch_.HoldsExactly(sys_)) watch_ = StatWatch();  // see policy_cache.cc
  ++reads_;
  return snapshot_;
}

}  // namespace capset::capsetd
