// SPDX-License-Identifier: LGPL-2.1-or-later
// capset-generator — writes the drop-ins of the policy's services at boot and on every
// daemon-reload (systemd.generator(7)).
//
// The contract: never break boot. A broken policy file or a refused service is logged and
// skipped; everything else is still generated; the exit status is 0 unless the arguments are
// wrong. No IPC, no network; writes only below the output directory.
#pragma once

#include <string>

namespace capset::generator {

/// Where log lines go: /dev/kmsg when systemd runs us ($SYSTEMD_SCOPE set) and it is the
/// kernel's log (character device 1:11; a container may have /dev/null there, or nothing),
/// else stderr, which systemd (253 and later) logs for generators.
class Log {
 public:
  Log();
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  void Error(const std::string& msg) { Write(3, msg); }
  void Warning(const std::string& msg) { Write(4, msg); }
  void Info(const std::string& msg) { Write(6, msg); }

 private:
  void Write(int priority, const std::string& msg);
  int kmsg_ = -1;
};

struct Counts {
  size_t written = 0;
  size_t refused = 0;
  size_t skipped_files = 0;
};

/// Generates into `normal_dir` from the policy under `root`. Never fails boot: problems are
/// logged to `log` and counted.
Counts Run(const std::string& root, const std::string& normal_dir, Log& log);

}  // namespace capset::generator
