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

#include <cassert>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
  // The value of a Result that holds one: reaching for the value of an error is a bug in the
  // caller, and asserts (in every build with assertions: tests, the sanitizer suite).
  T& value() & { return (assert(ok()), *value_); }
  const T& value() const& { return (assert(ok()), *value_); }
  T&& value() && { return (assert(ok()), std::move(*value_)); }
  T* operator->() { return (assert(ok()), &*value_); }
  const T* operator->() const { return (assert(ok()), &*value_); }
  T& operator*() & { return (assert(ok()), *value_); }
  const T& operator*() const& { return (assert(ok()), *value_); }

 private:
  std::optional<T> value_;
  Status status_;
};

/// The one way errno becomes a Status (core/src/sys/errno_status.cc): the code from one table
/// (ENOENT and ENOTDIR kNotFound, EPERM and EACCES kPermissionDenied, ...) and the message
/// "Failed to <verb> '<what>': <strerror>".
Status FromErrno(int err, std::string_view verb, std::string_view what);
/// For a failure that names no file: "Failed to <action>: <strerror>".
Status FromErrno(int err, std::string_view action);
/// The bare reason, "<strerror>": what SysOps returns, for its caller to name the file.
Status FromErrno(int err);

}  // namespace capset

/// Propagates a non-OK Status from an expression returning Status.
#define CAPSET_RETURN_IF_ERROR(expr)         \
  do {                                       \
    ::capset::Status capset_st_ = (expr);    \
    if (!capset_st_.ok()) return capset_st_; \
  } while (0)

#define CAPSET_CONCAT_INNER_(a, b) a##b
#define CAPSET_CONCAT_(a, b) CAPSET_CONCAT_INNER_(a, b)
// lhs is a declaration ("Fd fd") and tmp a name: neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define CAPSET_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)

/// `CAPSET_ASSIGN_OR_RETURN(Fd fd, OpenIt());`: declares (or assigns) lhs from the value of a
/// Result, or returns its error Status from the enclosing function.
#define CAPSET_ASSIGN_OR_RETURN(lhs, expr) \
  CAPSET_ASSIGN_OR_RETURN_IMPL_(CAPSET_CONCAT_(capset_result_, __LINE__), lhs, expr)
