// SPDX-License-Identifier: LGPL-2.1-or-later
#include "server.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "log.h"

namespace capset::capsetd {
namespace {

// SECURITY: every sd-event callback runs its body through this guard, so that no exception
// (std::bad_alloc, a JSON type error) unwinds through libsystemd's C frames. `on_error` runs
// instead (e.g. closing the connection the callback was for); the loop goes on.
template <typename Body, typename OnError>
int Guarded(const char* where, Body&& body, OnError&& on_error) noexcept {
  const char* what = nullptr;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    what = "out of memory";
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  Log(LOG_ERR, std::string("internal error in ") + where + ": " + what);
  try {
    on_error();
  } catch (...) {
    Log(LOG_ERR, std::string("internal error while recovering in ") + where);
  }
  return 0;
}

}  // namespace

Server::Server(int listen_fd, ServerOptions options, FilesService& service)
    : listen_fd_(listen_fd), options_(options), service_(service), workers_(options.workers) {}

Server::~Server() {
  while (!connections_.empty()) Close(connections_.front(), nullptr);
  sd_event_source_unref(workers_source_);
  sd_event_source_unref(listen_source_);
  sd_event_source_unref(idle_timer_);
  sd_event_unref(event_);
}

uint64_t Server::Now() const {
  uint64_t now = 0;
  sd_event_now(event_, CLOCK_MONOTONIC, &now);
  return now;
}

Status Server::Run() {
  int r = sd_event_default(&event_);
  if (r < 0) return FromErrno(-r, "sd_event_default");
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  for (int sig : {SIGTERM, SIGINT}) {
    r = sd_event_add_signal(event_, nullptr, sig, &Server::OnSignal, this);
    if (r < 0) return FromErrno(-r, "sd_event_add_signal");
  }
  signal(SIGPIPE, SIG_IGN);
  r = sd_event_add_io(event_, &listen_source_, listen_fd_, EPOLLIN, &Server::OnListen, this);
  if (r < 0) return FromErrno(-r, "sd_event_add_io");
  r = sd_event_add_time(event_, &idle_timer_, CLOCK_MONOTONIC, UINT64_MAX, 0, &Server::OnIdle,
                        this);
  if (r < 0) return FromErrno(-r, "sd_event_add_time");
  if (Status st = workers_.Start(); !st.ok()) return st;
  r = sd_event_add_io(event_, &workers_source_, workers_.fd(), EPOLLIN, &Server::OnFinished, this);
  if (r < 0) return FromErrno(-r, "sd_event_add_io");
  sd_event_set_watchdog(event_, true);
  UpdateIdleTimer();
  sd_notify(0, "READY=1\nSTATUS=Waiting for requests");
  r = sd_event_loop(event_);
  sd_notify(0, "STOPPING=1");
  if (r < 0) return FromErrno(-r, "sd_event_loop");
  return Status::Ok();
}

int Server::OnSignal(sd_event_source*, const struct signalfd_siginfo* si, void* self) {
  Log(LOG_INFO, std::string(strsignal(static_cast<int>(si->ssi_signo))) + ", exiting");
  return sd_event_exit(static_cast<Server*>(self)->event_, 0);  // cannot throw
}

int Server::OnIdle(sd_event_source*, uint64_t, void* self) {
  auto* server = static_cast<Server*>(self);
  if (server->connections_.empty()) {
    Log(LOG_INFO, "idle, exiting (" + std::to_string(server->accepted_) + " connections served)");
    return sd_event_exit(server->event_, 0);
  }
  return 0;
}

void Server::UpdateIdleTimer() {
  if (connections_.empty() && options_.idle_exit_usec > 0) {
    sd_event_source_set_time(idle_timer_, Now() + options_.idle_exit_usec);
    sd_event_source_set_enabled(idle_timer_, SD_EVENT_ONESHOT);
  } else {
    sd_event_source_set_enabled(idle_timer_, SD_EVENT_OFF);
  }
}

void Server::Notify() {
  char status[128];
  std::snprintf(status, sizeof(status),
                "STATUS=%zu connection(s) open, %zu accepted, %zu calls answered",
                connections_.size(), accepted_, service_.calls());
  sd_notify(0, status);
}

int Server::OnListen(sd_event_source*, int, uint32_t, void* self) {
  auto* server = static_cast<Server*>(self);
  return Guarded(
      "accept",
      [&] {
        server->Accept();
        return 0;
      },
      [] {});
}

void Server::Accept() {
  const size_t limit = options_.max_connections + options_.root_reserve;
  while (connections_.size() < limit) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
        Log(LOG_ERR, FromErrno(errno, "accept a connection").message());
      }
      break;
    }
    Result<Peer> peer = PeerOf(fd);
    if (!peer.ok()) {
      Log(LOG_WARNING, peer.status().message() + "; closing the connection");
      close(fd);
      continue;
    }
    // SECURITY: capacity is kept for root (root_reserve) and for the callers the policy
    // names: callers allowed nothing share max_unauthorized.
    const char* refusal = nullptr;
    bool unauthorized = false;
    if (peer->uid != 0) {
      if (connections_.size() >= options_.max_connections) {
        refusal = "all connections for non-root callers are in use";
      } else if (per_user_[peer->uid] >= options_.max_per_user) {
        refusal = "it has as many connections as one user may";
      } else if (!service_.MayAskAnything(*peer)) {
        unauthorized = true;
        if (unauthorized_ >= options_.max_unauthorized) {
          refusal = "the policy allows it nothing, and such callers have all their connections";
        }
      }
    }
    if (refusal) {
      ++refused_;
      Log(LOG_WARNING, "closing a connection of uid " + std::to_string(peer->uid) + " (pid " +
                           std::to_string(peer->pid) + "): " + refusal);
      if (per_user_.count(peer->uid) && per_user_[peer->uid] == 0) per_user_.erase(peer->uid);
      close(fd);
      continue;
    }
    Connection& c = connections_.emplace_back();
    c.server = this;
    c.fd = fd;
    c.peer = std::move(*peer);
    c.unauthorized = unauthorized;
    unauthorized_ += unauthorized;
    ++per_user_[c.peer.uid];
    ++accepted_;
    if (sd_event_add_io(event_, &c.io, fd, EPOLLIN, &Server::OnIo, &c) < 0 ||
        sd_event_add_time(event_, &c.timer, CLOCK_MONOTONIC, UINT64_MAX, 0, &Server::OnTimer, &c) <
            0) {
      Close(c, "cannot watch the connection");
      continue;
    }
    Rearm(c);
  }
  // At the limit, leave new clients in the socket's backlog until a connection closes.
  sd_event_source_set_enabled(listen_source_,
                              connections_.size() < limit ? SD_EVENT_ON : SD_EVENT_OFF);
  UpdateIdleTimer();
  Notify();
}

void Server::Close(Connection& c, const char* why) {
  if (why) {
    Log(LOG_WARNING, "closing the connection of uid " + std::to_string(c.peer.uid) + " (pid " +
                         std::to_string(c.peer.pid) + "): " + why);
  }
  sd_event_source_disable_unref(c.io);
  sd_event_source_disable_unref(c.timer);
  close(c.fd);
  if (--per_user_[c.peer.uid] == 0) per_user_.erase(c.peer.uid);
  unauthorized_ -= c.unauthorized;
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (&*it == &c) {
      connections_.erase(it);
      break;
    }
  }
  if (event_ && listen_source_) {
    sd_event_source_set_enabled(listen_source_, SD_EVENT_ON);
    UpdateIdleTimer();
    Notify();
  }
}

int Server::OnIo(sd_event_source*, int, uint32_t revents, void* conn) {
  auto& c = *static_cast<Connection*>(conn);
  Server* server = c.server;
  // Serve() closes the connection only on its way out (returning false), never before
  // something that can throw: on an exception the connection is still there to close.
  return Guarded(
      "serving a connection",
      [&] {
        if (server->Serve(c, revents)) server->Rearm(c);
        return 0;
      },
      [&] { server->Close(c, "an internal error while serving it"); });
}

int Server::OnTimer(sd_event_source*, uint64_t, void* conn) {
  auto& c = *static_cast<Connection*>(conn);
  Server* server = c.server;
  return Guarded(
      "a connection's deadline",
      [&] {
        const char* why = c.out_sent < c.out.size() ? "its reply was not read in time"
                          : c.partial_since         ? "its message was not completed in time"
                                                    : "idle";
        server->Close(c, why);
        return 0;
      },
      [] {});
}

bool Server::Flush(Connection& c) {
  while (c.out_sent < c.out.size()) {
    const ssize_t n =
        send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return true;
      Close(c, nullptr);  // the peer went away
      return false;
    }
    c.out_sent += static_cast<size_t>(n);
  }
  c.out.clear();
  c.out_sent = 0;
  return true;
}

int Server::OnFinished(sd_event_source*, int, uint32_t, void* self) {
  auto* server = static_cast<Server*>(self);
  return Guarded(
      "sending replies",
      [&] {
        server->TakeFinished();
        return 0;
      },
      [] {});
}

void Server::TakeFinished() {
  for (Workers::Done& done : workers_.Finished()) {
    if (done.id == apply_running_) apply_running_ = 0;
    Connection* waiting = ConnectionOfCall(done.id);
    if (waiting != nullptr && done.again && waiting->apply) {
      // An Apply with something to write: it waits for its turn, in the order they came back.
      applies_waiting_.push_back(done.id);
      waiting = nullptr;
    }
    StartNextApply();
    if (waiting == nullptr) continue;  // waiting to write, or closed after an internal error
    Connection& c = *waiting;
    c.call = 0;
    c.apply.reset();
    if (!done.reply) {
      Close(c, "an internal error while serving it");
      continue;
    }
    c.out = std::move(*done.reply);
    // Sends the reply, then answers what else the connection had sent (a pipelined call).
    if (Serve(c, 0)) Rearm(c);
  }
}

void Server::Submit(Connection& c, varlink::Call call) {
  c.call = ++last_call_;
  auto shared = std::make_shared<const varlink::Call>(std::move(call));
  // Kept for its turn as a writer, should the worker find it has something to write.
  if (shared->method == "io.capset.Files.Apply") c.apply = shared;
  SubmitToWorker(c.call, c.peer, std::move(shared), /*writer=*/false);
}

void Server::StartNextApply() {
  while (apply_running_ == 0 && !applies_waiting_.empty()) {
    const uint64_t id = applies_waiting_.front();
    applies_waiting_.pop_front();
    const Connection* c = ConnectionOfCall(id);
    if (c == nullptr || !c->apply) continue;  // closed after an internal error
    SubmitToWorker(id, c->peer, c->apply, /*writer=*/true);
    apply_running_ = id;  // only once it is queued: a submit that threw holds no one
  }
}

Server::Connection* Server::ConnectionOfCall(uint64_t id) {
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [&](const Connection& c) { return c.call == id; });
  return it == connections_.end() ? nullptr : &*it;
}

void Server::SubmitToWorker(uint64_t id, const Peer& peer,
                            std::shared_ptr<const varlink::Call> call, bool writer) {
  auto job = [service = &service_, call = std::move(call), peer, writer]() -> Workers::Answer {
    if (writer) return std::optional<std::string>(service->Handle(*call, peer));
    std::optional<std::string> reply = service->HandleWithoutWriting(*call, peer);
    if (!reply) return Workers::Answer::Again();
    return reply;
  };
  workers_.Submit(id, std::move(job), /*first=*/writer);
}

bool Server::Serve(Connection& c, uint32_t revents) {
  if (!Flush(c)) return false;
  // Read only while no reply is waiting to be sent.
  if (c.call == 0 && c.out.empty() && (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
    char buf[16384];
    const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      Close(c, c.reader.partial() ? "disconnected in the middle of a message" : nullptr);
      return false;
    }
    if (n > 0) c.reader.Append(buf, static_cast<size_t>(n));
  }
  std::string message;
  while (c.call == 0 && c.out.empty() && c.reader.Next(message)) {
    Result<varlink::Call> call = varlink::ParseCall(message);
    if (!call.ok()) {
      const std::string why = "malformed message: " + call.status().message();
      Close(c, why.c_str());
      return false;
    }
    Submit(c, std::move(*call));
  }
  if (c.reader.overflowed()) {
    Close(c, "message longer than the limit");
    return false;
  }
  if (!c.reader.partial()) {
    c.partial_since = 0;
  } else if (c.partial_since == 0) {
    c.partial_since = Now();
  }
  return true;
}

void Server::Rearm(Connection& c) {
  // SECURITY: while a worker answers its call, the connection is neither read (one call at a
  // time per connection) nor closed (it stays counted against the limits until its reply).
  if (c.call != 0) {
    sd_event_source_set_enabled(c.io, SD_EVENT_OFF);
    sd_event_source_set_enabled(c.timer, SD_EVENT_OFF);
    return;
  }
  sd_event_source_set_enabled(c.io, SD_EVENT_ON);
  const bool sending = !c.out.empty();
  sd_event_source_set_io_events(c.io, sending ? EPOLLOUT : EPOLLIN);
  uint64_t deadline;
  if (sending) {
    deadline = Now() + options_.request_timeout_usec;
  } else if (c.partial_since) {
    deadline = c.partial_since + options_.request_timeout_usec;
  } else {
    deadline = Now() + options_.connection_idle_usec;
  }
  sd_event_source_set_time(c.timer, deadline);
  sd_event_source_set_enabled(c.timer, SD_EVENT_ONESHOT);
}

}  // namespace capset::capsetd
