// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — Varlink messages (https://varlink.org): the wire format of capsetd.
//
// A Varlink connection carries JSON objects, each terminated by a NUL byte. A call is
//   {"method": "io.capset.Files.Apply", "parameters": {...}, "oneway"?: bool, "more"?: bool}
// and a reply is {"parameters": {...}} or {"error": "interface.Name", "parameters": {...}}.
//
// Everything here is bounded, because the peer may be hostile: a message longer than
// kMaxMessageSize, nested deeper than kMaxJsonDepth, or with a method name, string or
// parameter count over its limit is refused before anything acts on it. Nothing throws.
// Thread-safety: values; a MessageReader belongs to one connection.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "capset/status.h"

namespace capset::varlink {

inline constexpr size_t kMaxMessageSize = size_t{64} * 1024;  ///< a call, without its NUL
inline constexpr int kMaxJsonDepth = 16;
inline constexpr size_t kMaxMethodName = 255;
inline constexpr size_t kMaxStringSize = 4096;  ///< any string inside a call
inline constexpr size_t kMaxParameters = 32;

/// A parsed and validated method call.
struct Call {
  std::string method;  ///< "interface.Method"
  nlohmann::json parameters = nlohmann::json::object();
  bool oneway = false;            ///< no reply wanted
  bool more = false;              ///< the client accepts several replies
  std::string interface() const;  ///< "io.capset.Files"
  std::string member() const;     ///< "Apply"
};

/// Parses one message (without its NUL). Errors say what was wrong with it.
Result<Call> ParseCall(std::string_view message);

/// Parses any JSON object within the same limits (a client reading a reply uses no
/// string limit: replies come from the trusted daemon).
Result<nlohmann::json> ParseObject(std::string_view message, bool limit_strings = true);

/// True for "a.b.Name"-style interface names as the Varlink grammar defines them.
bool IsInterfaceName(std::string_view name);

/// Serialized messages, each with its terminating NUL.
std::string EncodeReply(const nlohmann::json& parameters);
/// A reply whose parameters are JSON text already (FileReportText).
std::string EncodeReplyText(std::string_view parameters);
std::string EncodeError(std::string_view error, const nlohmann::json& parameters);
std::string EncodeCall(std::string_view method, const nlohmann::json& parameters,
                       bool oneway = false);

/// Splits a byte stream into NUL-terminated messages.
class MessageReader {
 public:
  explicit MessageReader(size_t max_message = kMaxMessageSize) : max_(max_message) {}

  /// Adds bytes read from the peer.
  void Append(const char* data, size_t size) { buffer_.append(data, size); }
  /// The next complete message into `out`: true if there was one. Sets overflowed() when
  /// the buffered part of a message is already longer than the limit.
  bool Next(std::string& out);
  bool overflowed() const { return overflowed_; }
  /// Bytes of an incomplete message waiting for the rest.
  bool partial() const { return consumed_ < buffer_.size(); }

 private:
  std::string buffer_;
  size_t consumed_ = 0;
  size_t max_;
  bool overflowed_ = false;
};

}  // namespace capset::varlink
