// SPDX-License-Identifier: LGPL-2.1-or-later
// capset (internal) — the system calls of the Varlink client (capset/ipc/varlink_client.h): a
// Unix stream socket connected to a path, sending all of a buffer, receiving what arrives
// within a deadline. Errors are Statuses naming what failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "capset/fd.h"
#include "capset/status.h"

namespace capset::sys {

/// socket(AF_UNIX, SOCK_STREAM) + connect(2) to `path`.
Result<Fd> ConnectUnix(const std::string& path);
/// send(2) until all of `bytes` is sent (MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE).
Status SendAll(int fd, std::string_view bytes);
/// Waits until `fd` is readable or `deadline_ms` (MonotonicMs) passes, then recv(2)s into
/// `buf`: the byte count, 0 when the peer closed, or kIoError naming the timeout.
Result<size_t> ReceiveUntil(int fd, char* buf, size_t size, int64_t deadline_ms, int timeout_ms);
/// CLOCK_MONOTONIC in milliseconds.
int64_t MonotonicMs();

}  // namespace capset::sys
