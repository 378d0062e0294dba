// SPDX-License-Identifier: LGPL-2.1-or-later
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "capset/fd.h"
#include "capset/safe_path.h"
#include "capset/utf8.h"
#include "cli.h"

namespace capset::capctl {

void PrintError(const std::string& message) {
  std::fprintf(stderr, "capctl: %s\n", message.c_str());
}

void PrintWarning(const std::string& message) {
  std::fprintf(stderr, "capctl: warning: %s\n", message.c_str());
}

void PrintNote(const std::string& message) {
  std::fprintf(stderr, "capctl: note: %s\n", message.c_str());
}

std::string Printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // A whole UTF-8 sequence as it is (but the C1 controls U+0080-U+009F); any other byte
      // escaped.
      const size_t n = Utf8SequenceAt(text, i);
      if (n && !(n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
        out.append(text.substr(i, n));
        i += n - 1;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      }
    }
  }
  return out;
}

Status WriteOutputFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(),
                        O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0644);
  if (fd < 0) {
    const int err = errno;
    const Status st = FromErrno(err, "open", path);
    return err == ELOOP ? Status(st.code(), st.message() + " (a symbolic link is not followed)", err)
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
