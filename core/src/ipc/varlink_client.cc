// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/varlink_client.h"

#include "sys/unix_socket.h"

namespace capset::varlink {

Result<Client> Client::Connect(const std::string& path) {
  CAPSET_ASSIGN_OR_RETURN(Fd fd, sys::ConnectUnix(path));
  return Client(std::move(fd));
}

Status Client::SendAll(std::string_view bytes) { return sys::SendAll(fd_.get(), bytes); }

Result<Reply> Client::Call(std::string_view method, const nlohmann::json& parameters,
                           int timeout_ms) {
  CAPSET_RETURN_IF_ERROR(SendAll(EncodeCall(method, parameters)));
  const int64_t deadline = sys::MonotonicMs() + timeout_ms;
  std::string message;
  char buf[65536];
  while (!reader_.Next(message)) {
    if (reader_.overflowed()) return Status(Code::kCorrupt, "the daemon's reply is too large");
    CAPSET_ASSIGN_OR_RETURN(size_t n, sys::ReceiveUntil(fd_.get(), buf, sizeof buf, deadline,
                                                        timeout_ms));
    if (n == 0) return Status(Code::kIoError, "the daemon closed the connection");
    reader_.Append(buf, n);
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
