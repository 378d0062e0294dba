// SPDX-License-Identifier: LGPL-2.1-or-later
#include "log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "capset/printable.h"

namespace capset::capsetd {

bool StderrIsJournal() {
  static const bool journal = [] {
    const char* stream = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    if (stream == nullptr || ::fstat(STDERR_FILENO, &st) != 0) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
    return dev == st.st_dev && ino == st.st_ino;
  }();
  return journal;
}

void Log(int priority, const std::string& message) {
  // One message, one line: its control characters escaped (a file name may hold a newline),
  // in the journal as on stderr.
  const std::string line = ControlsEscaped(message);
  if (StderrIsJournal() && sd_journal_send("MESSAGE=%s", line.c_str(), "PRIORITY=%i", priority,
                                           "SYSLOG_IDENTIFIER=capsetd", nullptr) == 0) {
    return;
  }
  std::fprintf(stderr, "capsetd: %s%s\n", priority == LOG_WARNING ? "warning: " : "", line.c_str());
}

}  // namespace capset::capsetd
