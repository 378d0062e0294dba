// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — a blocking Varlink client for one Unix socket (capctl talking to capsetd; tests).
// Thread-safety: one object per thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "capset/fd.h"
#include "capset/ipc/varlink.h"
#include "capset/status.h"
#include "capset/config.h"

namespace capset::varlink {

/// capsetd's socket, where capsetd.socket listens.
inline constexpr const char kDaemonSocket[] = CAPSET_RUNTIME_DIR "/io.capset.Files";

struct Reply {
  std::string error;  ///< "" for a successful reply, else the Varlink error name
  nlohmann::json parameters = nlohmann::json::object();
};

class Client {
 public:
  /// Connects to the Unix socket at `path` (kNotFound when nothing listens there).
  static Result<Client> Connect(const std::string& path);

  /// Sends one call and waits up to `timeout_ms` for its reply.
  Result<Reply> Call(std::string_view method, const nlohmann::json& parameters,
                     int timeout_ms = 300000);

  int fd() const { return fd_.get(); }

 private:
  explicit Client(Fd fd) : fd_(std::move(fd)) {}
  Status SendAll(std::string_view bytes);

  Fd fd_;
  MessageReader reader_{size_t{1} << 30};  // replies come from the daemon: a large report
};

}  // namespace capset::varlink
