// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the threads that answer calls. The event loop (server.h) reads and parses a call
// and hands it here as a job; one of the workers runs it and queues its reply, and the
// eventfd fd() becomes readable so that the loop takes the reply (Finished) and sends it.
// With two workers the calls of many clients use two CPUs, and one slow call (an Apply of
// many files) does not hold every other caller.
//
// A worker that cannot be started leaves its share to the others; with none at all, Submit
// runs the job on the calling thread, as capsetd did before it had workers. A job that throws
// finishes without a reply (its connection is closed); nothing unwinds out of a worker.
// Stopping (the destructor) drops the jobs not yet started and waits for the running ones, so
// an Apply is never cut off by capsetd's own exit.
// Thread-safety: Start, Submit, Finished and fd from one thread (the event loop's).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "capset/fd.h"
#include "capset/status.h"

namespace capset::capsetd {

class Workers {
 public:
  /// What a job ends with: the reply to send ("" for none), or none when the job failed;
  /// or, `again`, no reply yet: the job asks its caller to submit it once more, in another
  /// form (capsetd's Apply that has something to write, for its turn).
  struct Answer {
    // Not explicit: a job returns its reply (or nullopt) as it is.
    Answer(std::optional<std::string> r = std::nullopt) : reply(std::move(r)) {}
    static Answer Again() {
      Answer a;
      a.again = true;
      return a;
    }
    std::optional<std::string> reply;
    bool again = false;
  };
  using Job = std::function<Answer()>;
  struct Done : Answer {
    uint64_t id = 0;
  };

  explicit Workers(size_t threads);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  /// Creates the eventfd and starts the threads (as many as can be had).
  Status Start();
  /// Readable while finished jobs wait to be taken.
  int fd() const { return event_.get(); }
  /// How many threads run jobs (0: Submit runs them itself).
  size_t threads() const { return threads_.size(); }

  /// Queues `job`; `first` puts it ahead of the jobs waiting (capsetd's one Apply at a time,
  /// which would otherwise wait behind every Verify queued, at each turn).
  void Submit(uint64_t id, Job job, bool first = false);
  /// The jobs finished since the last call, in the order they finished.
  std::vector<Done> Finished();

 private:
  void Run();
  void Finish(uint64_t id, Job& job);

  size_t wanted_;
  Fd event_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable work_;
  std::deque<std::pair<uint64_t, Job>> queue_;  // guarded by mu_
  std::vector<Done> done_;                      // guarded by mu_
  size_t in_flight_ = 0;                        ///< submitted, reply not yet taken; guarded by mu_
  bool stopping_ = false;                       // guarded by mu_
};

}  // namespace capset::capsetd
