// SPDX-License-Identifier: LGPL-2.1-or-later
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "capset/fd.h"
#include "capset/printable.h"
#include "capset/safe_path.h"
#include "cli.h"

namespace capset::capctl {

void PrintError(const std::string& message) {
  std::fprintf(stderr, "capctl: %s\n", ControlsEscaped(message).c_str());
}

void PrintWarning(const std::string& message) {
  std::fprintf(stderr, "capctl: warning: %s\n", ControlsEscaped(message).c_str());
}

void PrintNote(const std::string& message) {
  std::fprintf(stderr, "capctl: note: %s\n", ControlsEscaped(message).c_str());
}

Status WriteOutputFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) {
    const int err = errno;
    const Status st = FromErrno(err, "open", path);
    return err == ELOOP
               ? Status(st.code(), st.message() + " (a symbolic link is not followed)", err)
               : st;
  }
  const Fd owned(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status(Code::kUnsafe, "Refusing to write '" + path + "': not a regular file");
  }
  if (::ftruncate(fd, 0) != 0) {
    return FromErrno(errno, "truncate", path);
  }
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return FromErrno(errno, "write", path);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

bool RootExists(const std::string& root) {
  SafeOpenOptions look;
  look.trust = TrustMode::kIgnore;
  Result<SafeDir> dir = OpenRoot(RealSys(), root, look);
  if (dir.ok() || dir.status().code() != Code::kNotFound) return true;
  PrintError("--root: " + dir.status().message());
  return false;
}

void BufferStdout() {
  if (!::isatty(STDOUT_FILENO)) {
    static char buffer[1 << 16];
    std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  }
}

}  // namespace capset::capctl
