// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/varlink_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <cerrno>
#include <cstring>

namespace capset::varlink {
namespace {

int64_t NowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

Result<Client> Client::Connect(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status(Code::kInvalidArgument, "'" + path + "' is not a usable socket path");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return FromErrno(errno, "create a socket");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return FromErrno(errno, "connect to", path);
  }
  return Client(std::move(fd));
}

Status Client::SendAll(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FromErrno(errno, "send to the daemon");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<Reply> Client::Call(std::string_view method, const nlohmann::json& parameters,
                           int timeout_ms) {
  CAPSET_RETURN_IF_ERROR(SendAll(EncodeCall(method, parameters)));
  const int64_t deadline = NowMs() + timeout_ms;
  std::string message;
  char buf[65536];
  while (!reader_.Next(message)) {
    if (reader_.overflowed()) return Status(Code::kCorrupt, "the daemon's reply is too large");
    const int64_t left = deadline - NowMs();
    if (left <= 0) {
      return Status(Code::kIoError,
                    "no reply from the daemon within " + std::to_string(timeout_ms / 1000) + " s");
    }
    pollfd p{fd_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    if (r < 0 && errno != EINTR) return FromErrno(errno, "poll the daemon's socket");
    if (r <= 0) continue;
    const ssize_t n = ::recv(fd_.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return FromErrno(errno, "read the daemon's reply");
    }
    if (n == 0) return Status(Code::kIoError, "the daemon closed the connection");
    reader_.Append(buf, static_cast<size_t>(n));
  }
  Result<nlohmann::json> j = ParseObject(message, /*limit_strings=*/false);
  if (!j.ok()) return j.status().WithPrefix("malformed reply from the daemon");
  Reply reply;
  if (auto it = j->find("error"); it != j->end()) {
    if (!it->is_string()) return Status(Code::kCorrupt, "malformed reply: 'error' not a string");
    reply.error = it->get<std::string>();
  }
  if (auto it = j->find("parameters"); it != j->end() && it->is_object()) {
    reply.parameters = std::move(*it);
  }
  return reply;
}

}  // namespace capset::varlink
