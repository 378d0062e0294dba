// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — ParallelFor: run fn(i) for i in [0, n) on every CPU (at most 8 threads), the
// calling thread included. Used where independent items dominate a run (reading and parsing
// policy files, writing drop-ins). Items are claimed one at a time; fn must only touch item
// i's own output. Small inputs (fewer than `min_per_thread` items per extra thread) stay on
// the calling thread, and so does the work of a thread that cannot be started (std::thread
// throws std::system_error when the system has no thread to give): the work is still done,
// serially, and no joinable thread is ever destroyed (which would call std::terminate). An
// exception thrown by fn (std::bad_alloc) stops the claiming of items, is carried to the
// calling thread once every thread has been joined, and is thrown there: the first one wins.
// Never used inside pam_capset.so, which starts no threads in the login program.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace capset {

template <typename Fn>
void ParallelFor(size_t n, size_t min_per_thread, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::mutex failed_mu;
  std::exception_ptr failed;
  auto work = [&] {
    try {
      for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(i);
    } catch (...) {
      next.store(n, std::memory_order_relaxed);  // nobody claims more
      const std::lock_guard<std::mutex> lock(failed_mu);
      if (!failed) failed = std::current_exception();
    }
  };
  // hardware_concurrency() reads /sys (glibc's get_nprocs): only asked when there is enough
  // work for a second thread (capsetd runs this per call on a few entries).
  const size_t wanted = n / std::max<size_t>(1, min_per_thread) + 1;
  const size_t threads =
      wanted < 2 ? 1
                 : std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 8, wanted});
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t t = 1; t < threads; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer helpers; the calling thread does the rest
    }
  }
  work();
  for (auto& t : pool) t.join();
  if (failed) std::rethrow_exception(failed);
}

}  // namespace capset
