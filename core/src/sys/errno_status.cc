// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sys/errno_status.h"

#include <cerrno>
#include <cstring>

namespace capset {

Status FromErrno(int err, const std::string& context) {
  Code code = Code::kIoError;
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      code = Code::kNotFound;
      break;
    case EPERM:
    case EACCES:
      code = Code::kPermissionDenied;
      break;
    case ENOTSUP:
      code = Code::kNotSupported;
      break;
    case EINVAL:
    case ENAMETOOLONG:
      code = Code::kInvalidArgument;
      break;
    default:
      break;
  }
  std::string reason = std::strerror(err);
  return Status(code, context.empty() ? reason : context + ": " + reason, err);
}

}  // namespace capset
