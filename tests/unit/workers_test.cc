// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd's worker threads (capsetd/workers.h): every job's reply comes back with its id
// through the eventfd, a job that throws comes back without one, two jobs really run side by
// side, stopping waits for the running job, and without threads the caller runs the job.
#include "workers.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace capset::capsetd {
namespace {

// Waits on the eventfd and collects finished jobs until `n` have come back (or 10 s passed).
std::map<uint64_t, std::optional<std::string>> Collect(Workers& w, size_t n) {
  std::map<uint64_t, std::optional<std::string>> got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.size() < n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{w.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    for (Workers::Done& d : w.Finished()) {
      EXPECT_EQ(got.count(d.id), 0u) << "job " << d.id << " finished twice";
      got[d.id] = std::move(d.reply);
    }
  }
  return got;
}

TEST(WorkersTest, EveryReplyComesBackWithItsId) {
  Workers w(2);
  ASSERT_TRUE(w.Start().ok());
  EXPECT_EQ(w.threads(), 2u);
  for (uint64_t id = 1; id <= 200; ++id) {
    w.Submit(id, [id]() -> std::optional<std::string> { return "reply " + std::to_string(id); });
  }
  const auto got = Collect(w, 200);
  ASSERT_EQ(got.size(), 200u);
  for (const auto& [id, reply] : got) {
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(*reply, "reply " + std::to_string(id));
  }
  // Nothing more is left: at most the last job's signal, which came after its reply was taken
  // (a wake-up that finds nothing), and then the eventfd is drained.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(w.Finished().empty());
  pollfd p{w.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
}

TEST(WorkersTest, AJobThatThrowsComesBackWithoutAReply) {
  Workers w(2);
  ASSERT_TRUE(w.Start().ok());
  w.Submit(1, []() -> std::optional<std::string> { throw std::runtime_error("boom"); });
  w.Submit(2, []() -> std::optional<std::string> { throw std::bad_alloc(); });
  w.Submit(3, []() -> std::optional<std::string> { throw 42; });
  w.Submit(4, []() -> std::optional<std::string> { return ""; });  // a oneway call's
  const auto got = Collect(w, 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_FALSE(got.at(1).has_value());
  EXPECT_FALSE(got.at(2).has_value());
  EXPECT_FALSE(got.at(3).has_value());
  ASSERT_TRUE(got.at(4).has_value());
  EXPECT_EQ(*got.at(4), "");
}

// A job that asks to be submitted again comes back marked so, without a reply; the others
// are not marked.
TEST(WorkersTest, AJobThatAsksAgainComesBackMarked) {
  for (size_t threads : {size_t{0}, size_t{2}}) {
    Workers w(threads);
    ASSERT_TRUE(w.Start().ok());
    w.Submit(1, [] { return Workers::Answer::Again(); });
    w.Submit(2, []() -> std::optional<std::string> { return "done"; });
    std::map<uint64_t, Workers::Done> got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.size() < 2 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{w.fd(), POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      for (Workers::Done& d : w.Finished()) got[d.id] = std::move(d);
    }
    ASSERT_EQ(got.size(), 2u) << threads << " threads";
    EXPECT_TRUE(got[1].again);
    EXPECT_FALSE(got[1].reply.has_value());
    EXPECT_FALSE(got[2].again);
    EXPECT_EQ(got[2].reply, "done");
  }
}

// With one thread the second job could only start after the first returned, which waits for
// the second: each would give up after 5 s and say so.
TEST(WorkersTest, TwoJobsRunSideBySide) {
  Workers w(2);
  ASSERT_TRUE(w.Start().ok());
  std::mutex mu;
  std::condition_variable cv;
  int arrived = 0;
  auto job = [&]() -> std::optional<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    ++arrived;
    cv.notify_all();
    const bool both = cv.wait_for(lock, std::chrono::seconds(5), [&] { return arrived == 2; });
    return both ? "together" : "alone";
  };
  w.Submit(1, job);
  w.Submit(2, job);
  const auto got = Collect(w, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.at(1).value_or(""), "together");
  EXPECT_EQ(got.at(2).value_or(""), "together");
}

// capsetd's Apply goes ahead of the Verify calls waiting for a worker.
TEST(WorkersTest, AJobSubmittedFirstRunsBeforeThoseWaiting) {
  Workers w(1);
  ASSERT_TRUE(w.Start().ok());
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<int> order;
  w.Submit(1, [&]() -> std::optional<std::string> {  // holds the one worker
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return go; });
    return "";
  });
  auto record = [&](int n) {
    return [&, n]() -> std::optional<std::string> {
      const std::lock_guard<std::mutex> lock(mu);
      order.push_back(n);
      return "";
    };
  };
  w.Submit(2, record(2));
  w.Submit(3, record(3));
  w.Submit(4, record(4), /*first=*/true);
  {
    const std::lock_guard<std::mutex> lock(mu);
    go = true;
  }
  cv.notify_all();
  ASSERT_EQ(Collect(w, 4).size(), 4u);
  EXPECT_EQ(order, (std::vector<int>{4, 2, 3}));
}

TEST(WorkersTest, StoppingWaitsForTheRunningJob) {
  std::atomic<bool> started{false}, finished{false};
  {
    Workers w(1);
    ASSERT_TRUE(w.Start().ok());
    w.Submit(1, [&]() -> std::optional<std::string> {
      started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      finished = true;
      return "done";
    });
    while (!started) std::this_thread::yield();
  }
  EXPECT_TRUE(finished);
}

TEST(WorkersTest, WithoutThreadsTheCallerRunsTheJob) {
  Workers w(0);
  ASSERT_TRUE(w.Start().ok());
  EXPECT_EQ(w.threads(), 0u);
  const std::thread::id caller = std::this_thread::get_id();
  bool on_caller = false;
  w.Submit(7, [&]() -> std::optional<std::string> {
    on_caller = std::this_thread::get_id() == caller;
    return "inline";
  });
  EXPECT_TRUE(on_caller);
  const auto got = Collect(w, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.at(7).value_or(""), "inline");
}

}  // namespace
}  // namespace capset::capsetd
