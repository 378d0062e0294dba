// SPDX-License-Identifier: LGPL-2.1-or-later
#include "workers.h"

#include <sys/eventfd.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <new>
#include <system_error>
#include <utility>

#include "log.h"

namespace capset::capsetd {

Workers::Workers(size_t threads) : wanted_(threads) {}

Workers::~Workers() {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  work_.notify_all();
  for (auto& t : threads_) t.join();
}

Status Workers::Start() {
  event_ = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (event_.get() < 0) return FromErrno(errno, "create an eventfd");
  for (size_t i = 0; i < wanted_; ++i) {
    try {
      threads_.emplace_back([this] { Run(); });
    } catch (const std::system_error& e) {
      Log(LOG_WARNING, std::string("cannot start a worker thread (") + e.what() +
                           "); answering with " + std::to_string(threads_.size()));
      break;
    }
  }
  return Status::Ok();
}

void Workers::Submit(uint64_t id, Job job, bool first) {
  {
    const std::lock_guard<std::mutex> lock(mu_);
    // Room for every reply not yet taken, so that Finish never allocates to queue one: a
    // reply lost to std::bad_alloc there would leave its connection waiting for ever.
    done_.reserve(in_flight_ + 1);
    ++in_flight_;
    if (!threads_.empty()) {
      if (first) {
        queue_.emplace_front(id, std::move(job));
      } else {
        queue_.emplace_back(id, std::move(job));
      }
    }
  }
  if (threads_.empty()) {
    Finish(id, job);  // no worker: on this thread, now
  } else {
    work_.notify_one();
  }
}

std::vector<Workers::Done> Workers::Finished() {
  uint64_t n = 0;
  (void)!::read(event_.get(), &n, sizeof n);  // EAGAIN: nothing was signalled
  const std::lock_guard<std::mutex> lock(mu_);
  in_flight_ -= done_.size();
  return std::exchange(done_, {});
}

void Workers::Run() {
  for (;;) {
    std::pair<uint64_t, Job> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
    }
    Finish(next.first, next.second);
  }
}

// SECURITY: nothing a job throws (std::bad_alloc, a JSON type error) leaves the thread, which
// would end the process in std::terminate; the job ends without a reply instead.
void Workers::Finish(uint64_t id, Job& job) {
  Done done;
  done.id = id;
  try {
    static_cast<Answer&>(done) = job();
  } catch (const std::bad_alloc&) {
    Log(LOG_ERR, "internal error in a call: out of memory");
  } catch (const std::exception& e) {
    Log(LOG_ERR, std::string("internal error in a call: ") + e.what());
  } catch (...) {
    Log(LOG_ERR, "internal error in a call: unknown exception");
  }
  {
    const std::lock_guard<std::mutex> lock(mu_);
    done_.push_back(std::move(done));  // within the capacity Submit reserved: cannot throw
  }
  const uint64_t one = 1;
  (void)!::write(event_.get(), &one, sizeof one);
}

}  // namespace capset::capsetd
