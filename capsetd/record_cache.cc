// SPDX-License-Identifier: LGPL-2.1-or-later
#include "record_cache.h"

namespace capset::capsetd {

RecordCache::RecordCache(const std::string& root, SysOps& sys)
    : WatchedRead<RecordSnapshot>(
          sys, [root, &sys] { return RecordSnapshotWatch(sys, root); },
          [root, &sys] { return ReadRecordSnapshot(sys, root); }) {}

}  // namespace capset::capsetd
