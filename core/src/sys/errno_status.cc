// SPDX-License-Identifier: LGPL-2.1-or-later
// The one place where errno becomes a Status (declared in capset/status.h).
#include <cerrno>
#include <cstring>
#include <string>

#include "capset/status.h"

namespace capset {
namespace {

Code CodeOf(int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case ECONNREFUSED:  // a socket nobody listens on: the daemon is not there
      return Code::kNotFound;
    case EPERM:
    case EACCES:
      return Code::kPermissionDenied;
    case ENOTSUP:
      return Code::kNotSupported;
    case EINVAL:
    case ENAMETOOLONG:
      return Code::kInvalidArgument;
    default:
      return Code::kIoError;
  }
}

}  // namespace

Status FromErrno(int err) { return Status(CodeOf(err), std::strerror(err), err); }

Status FromErrno(int err, std::string_view action) {
  return Status(CodeOf(err), "Failed to " + std::string(action) + ": " + std::strerror(err), err);
}

Status FromErrno(int err, std::string_view verb, std::string_view what) {
  return Status(
      CodeOf(err),
      "Failed to " + std::string(verb) + " '" + std::string(what) + "': " + std::strerror(err),
      err);
}

}  // namespace capset
