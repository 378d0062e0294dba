// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — a value read from files, kept while nothing it rests on changed: what the policy
// cache and the record cache share.
//
// SECURITY: the watch (stat_watch.h) is taken before the read, so a change during the read
// shows as another status on the next call; and it is looked at once more right after the
// read with every field compared, so a change made and undone during the read (an ancestor
// chmod'ed and back) is not kept. A value `keep` refuses (a policy with a file that had not
// settled) is read again on every call.
// Thread-safety: one object, one thread (the event loop).
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "capset/stat_watch.h"
#include "capset/sys_ops.h"

namespace capset::capsetd {

template <class T>
class WatchedRead {
 public:
  WatchedRead(SysOps& sys, std::function<StatWatch()> watch, std::function<T()> read,
              std::function<bool(const T&)> keep = {})
      : sys_(sys), watch_fn_(std::move(watch)), read_(std::move(read)), keep_(std::move(keep)) {}

  /// The value as it is now; read again only when the watch no longer holds.
  std::shared_ptr<const T> Current() {
    if (value_ && (!keep_ || keep_(*value_)) && watch_.Holds(sys_)) return value_;
    watch_ = watch_fn_();
    value_ = std::make_shared<const T>(read_());
    if (!watch_.HoldsExactly(sys_)) watch_ = StatWatch();  // anything moved: read again next time
    ++reads_;
    return value_;
  }

  /// How many times the value was read (for tests and the status line).
  size_t reads() const { return reads_; }

 private:
  SysOps& sys_;
  std::function<StatWatch()> watch_fn_;
  std::function<T()> read_;
  std::function<bool(const T&)> keep_;
  StatWatch watch_;
  std::shared_ptr<const T> value_;
  size_t reads_ = 0;
};

}  // namespace capset::capsetd
