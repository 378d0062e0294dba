#include <unistd.h>

#include <cstdio>

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

void BufferStdout() {
  if (!::isatty(STDOUT_FILENO)) {
    static char buffer[1 << 16];
    std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  }
}

}  // namespace capset::capctl
