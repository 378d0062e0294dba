// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — Status and Result<T>: the error type of the core library.
//
// Every core function that can fail returns a [[nodiscard]] Status or Result<T>.
// No core function throws, and no exception crosses a core header: adapters around
// throwing code (the allocator, the C++ library) catch and convert.
//
// An OK Status holds no heap memory; copying one is a few words.
// Thread-safety: values; distinct objects may be used from distinct threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace capset {

/// What went wrong, coarse enough for callers to branch on (exit codes, PAM codes).
enum class Code : uint8_t {
  kOk = 0,
  kInvalidArgument,   ///< bad input: text, path, option
  kNotFound,          ///< the file (or entry) does not exist
  kPermissionDenied,  ///< the kernel said EPERM/EACCES
  kUnsafe,            ///< refused by a security rule (symlink, untrusted owner, hard link, ...)
  kNotSupported,      ///< the filesystem or kernel cannot do it
  kIoError,           ///< any other failure of a system call
  kCorrupt,           ///< data on disk is malformed (e.g. a bad security.capability)
};

class [[nodiscard]] Status {
 public:
  Status() = default;  ///< OK
  Status(Code code, std::string message, int sys_errno = 0)
      : code_(code), sys_errno_(sys_errno), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  /// The errno that caused this error, or 0 if none did.
  int sys_errno() const { return sys_errno_; }
  /// A complete sentence fragment naming what failed and why, e.g.
  /// "Failed to open '/usr/bin/x': No such file or directory".
  const std::string& message() const { return message_; }

  /// Returns a copy whose message is "<prefix>: <message>".
  Status WithPrefix(const std::string& prefix) const {
    return Status(code_, prefix + ": " + message_, sys_errno_);
  }

 private:
  Code code_ = Code::kOk;
  int sys_errno_ = 0;
  std::string message_;
};

/// Either a T or a non-OK Status. Modelled on std::expected (C++23), which GCC 12 lacks.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status(Code::kIoError, "internal error: Result from OK Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace capset

/// Propagates a non-OK Status from an expression returning Status.
#define CAPSET_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::capset::Status capset_st_ = (expr);    \
    if (!capset_st_.ok()) return capset_st_; \
  } while (0)
