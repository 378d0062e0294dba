// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd — the event loop (sd-event): accepts connections on the socket systemd passed,
// reads NUL-terminated Varlink messages, has workers answer them, and exits when idle.
//
// Bounds, so that no client can hold the daemon: at most max_connections at once, plus
// root_reserve kept for root alone (beyond that the socket is not accepted from, and new
// clients wait in its backlog; a non-root client accepted while max_connections are open is
// closed at once); max_per_user per uid; and at most max_unauthorized connections of callers
// the policy allows nothing (they can only introspect), so that they cannot crowd out root
// or the callers the policy names. A message over varlink::kMaxMessageSize,
// a malformed message, or one that is not complete within request_timeout closes its
// connection; so does a connection that does nothing for connection_idle, or whose replies
// are not read within request_timeout. A reply is queued only once the previous one has
// been sent, so a client that sends many calls and reads nothing buffers one reply at most.
//
// A call is answered on a worker thread (workers.h), one call per connection at a time: while
// it runs, its connection is neither read nor timed out, and stays counted against the
// limits above, so the calls in progress are bounded by the connections. Every call is first
// queued, in the order it came, to be answered without writing
// (FilesService::HandleWithoutWriting): that answers all but an Apply with something to
// change, or one that finds another apply holding the writers' lock. Such an Apply comes back
// and goes to the workers again, as a writer, one at a time, in the order they came back (the
// others wait here, not on a worker), so that the other calls always have a worker however
// many Apply calls wait; that one goes ahead of the calls queued for a worker, so a writer
// waits for the writers before it, not for every Verify.
// Thread-safety: one object, one thread (the workers call only FilesService).
#pragma once

#include <systemd/sd-event.h>

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "capset/ipc/varlink.h"
#include "capset/status.h"
#include "files_service.h"
#include "peer.h"
#include "workers.h"

namespace capset::capsetd {

struct ServerOptions {
  uint64_t idle_exit_usec = 30'000'000;  ///< 0: never exit when idle
  uint64_t request_timeout_usec = 10'000'000;
  uint64_t connection_idle_usec = 60'000'000;
  size_t max_connections = 64;
  size_t max_per_user = 8;      ///< not for uid 0
  size_t root_reserve = 8;      ///< connections beyond max_connections, for uid 0 only
  size_t max_unauthorized = 8;  ///< of callers the policy allows no action
  size_t workers = 2;           ///< threads that answer calls
};

class Server {
 public:
  Server(int listen_fd, ServerOptions options, FilesService& service);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Runs until idle for idle_exit_usec, or SIGTERM/SIGINT. Sends READY=1 once listening.
  Status Run();

 private:
  struct Connection {
    Server* server = nullptr;
    int fd = -1;
    Peer peer;
    bool unauthorized = false;  ///< counted in unauthorized_
    sd_event_source* io = nullptr;
    sd_event_source* timer = nullptr;
    varlink::MessageReader reader;
    std::string out;  ///< the reply being sent
    size_t out_sent = 0;
    uint64_t partial_since = 0;  ///< when the incomplete message in `reader` began; 0 = none
    uint64_t call = 0;           ///< the call a worker is answering; 0 = none
    /// `call` when it is an Apply: kept for its turn as a writer.
    std::shared_ptr<const varlink::Call> apply;
  };

  static int OnListen(sd_event_source* s, int fd, uint32_t revents, void* self);
  static int OnIo(sd_event_source* s, int fd, uint32_t revents, void* conn);
  static int OnTimer(sd_event_source* s, uint64_t usec, void* conn);
  static int OnIdle(sd_event_source* s, uint64_t usec, void* self);
  static int OnSignal(sd_event_source* s, const struct signalfd_siginfo* si, void* self);
  static int OnFinished(sd_event_source* s, int fd, uint32_t revents, void* self);

  void Accept();
  /// Reads, answers and writes what it can; false when the connection must close.
  bool Serve(Connection& c, uint32_t revents);
  bool Flush(Connection& c);
  /// Hands `call` to a worker, to be answered without writing; the connection waits for its
  /// reply.
  void Submit(Connection& c, varlink::Call call);
  /// `writer`: FilesService::Handle, ahead of the jobs waiting; else HandleWithoutWriting.
  void SubmitToWorker(uint64_t id, const Peer& peer, std::shared_ptr<const varlink::Call> call,
                      bool writer);
  /// Gives the first Apply waiting to write to a worker, when none runs.
  void StartNextApply();
  /// The connection waiting for call `id`, or null.
  Connection* ConnectionOfCall(uint64_t id);
  /// Sends the replies the workers finished and goes on with their connections.
  void TakeFinished();
  void Rearm(Connection& c);
  void Close(Connection& c, const char* why);
  void UpdateIdleTimer();
  void Notify();
  uint64_t Now() const;

  int listen_fd_;
  ServerOptions options_;
  FilesService& service_;
  sd_event* event_ = nullptr;
  sd_event_source* listen_source_ = nullptr;
  sd_event_source* idle_timer_ = nullptr;
  Workers workers_;  // joined as the server goes: running jobs finish (they use only service_)
  sd_event_source* workers_source_ = nullptr;
  uint64_t last_call_ = 0;
  uint64_t apply_running_ = 0;            ///< the Apply call a worker writes for; 0 = none
  std::deque<uint64_t> applies_waiting_;  ///< the Apply calls waiting to write
  std::list<Connection> connections_;
  std::map<uid_t, size_t> per_user_;
  size_t accepted_ = 0;
  size_t refused_ = 0;
  size_t unauthorized_ = 0;
};

}  // namespace capset::capsetd
