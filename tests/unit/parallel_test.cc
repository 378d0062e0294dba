// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <vector>

namespace capset {
namespace {

TEST(ParallelForTest, RunsEveryItemOnce) {
  std::vector<std::atomic<int>> seen(1000);
  ParallelFor(seen.size(), 1, [&](size_t i) { seen[i].fetch_add(1); });
  for (const auto& s : seen) EXPECT_EQ(s.load(), 1);
}

// Review of issue 17: capctl made its report and sent the journal's records on two threads; an
// exception in either (std::bad_alloc) destroyed a joinable thread or left one, and capctl
// died of std::terminate instead of saying "out of memory". Now every thread is joined and
// the first exception is thrown on the calling thread.
TEST(ParallelForTest, AnExceptionOnAnyThreadReachesTheCaller) {
  for (size_t thrower : {size_t{0}, size_t{1}}) {
    std::atomic<int> ran{0};
    EXPECT_THROW(ParallelFor(2, 1,
                             [&](size_t i) {
                               ++ran;
                               if (i == thrower) throw std::bad_alloc();
                             }),
                 std::bad_alloc);
    EXPECT_GE(ran.load(), 1);
  }
}

}  // namespace
}  // namespace capset
