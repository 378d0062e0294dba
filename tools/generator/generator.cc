// SPDX-License-Identifier: LGPL-2.1-or-later
#include "generator.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "capset/drop_in_writer.h"
#include "capset/fd.h"
#include "capset/parallel.h"
#include "capset/policy_loader.h"
#include "capset/printable.h"
#include "capset/service_plan.h"

namespace capset::generator {

Log::Log() {
  if (::secure_getenv("SYSTEMD_SCOPE") != nullptr) {
    kmsg_ = ::open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    // In a container /dev/kmsg may be /dev/null (systemd-nspawn): what is written there
    // reaches nobody. Only the real one (character device 1:11) is used; otherwise stderr,
    // which systemd logs for generators.
    struct stat st {};
    if (kmsg_ >= 0 &&
        (::fstat(kmsg_, &st) != 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 11))) {
      ::close(kmsg_);
      kmsg_ = -1;
    }
  }
}

Log::~Log() {
  if (kmsg_ >= 0) ::close(kmsg_);
}

void Log::Write(int priority, const std::string& raw) {
  // One message, one line: a policy value or CAPSET_ROOT quoted in it may hold a newline or
  // an escape sequence, which would start a forged entry in the kernel's log or the journal.
  const std::string msg = ControlsEscaped(raw);
  if (kmsg_ >= 0) {
    const std::string line = "<" + std::to_string(priority) + ">capset-generator[" +
                             std::to_string(::getpid()) + "]: " + msg + "\n";
    if (::write(kmsg_, line.data(), line.size()) >= 0) return;
  }
  const std::string line = "capset-generator: " + msg + "\n";
  if (::write(STDERR_FILENO, line.data(), line.size()) < 0) {
    // Nowhere left to say it.
  }
}

Counts Run(const std::string& root, const std::string& normal_dir, Log& log) {
  Counts counts;
  const LoadedPolicy loaded = LoadPolicyTree(root);
  for (const auto& d : loaded.diagnostics) {
    (d.severity == Diagnostic::Severity::kError ? log.Error(d.ToString())
                                                : log.Warning(d.ToString()));
  }
  for (const auto& f : loaded.skipped) {
    log.Error("Skipping policy file '" + f + "': it has errors (see above), ignoring.");
  }
  counts.skipped_files = loaded.skipped.size();
  if (loaded.policy.services.empty()) return counts;

  Result<SafeDir> out = OpenDropInDirectory(normal_dir);
  if (!out.ok()) {
    log.Error("Failed to open output directory '" + normal_dir + "': " + out.status().message());
    return counts;
  }
  const std::vector<PlannedService> plans = PlanGeneratorServices(loaded.policy, root);

  // Rendering and writing are independent per service: use every CPU. Messages are kept per
  // service and logged in policy order afterwards, so the log does not depend on threads.
  std::vector<std::string> write_errors(plans.size());
  ParallelFor(plans.size(), 32, [&](size_t i) {
    const PlannedService& p = plans[i];
    if (p.ok()) {
      Result<std::string> text = RenderDropIn(*p.service, p.tmpl.get());
      write_errors[i] =
          text.ok() ? WriteDropIn(*out, p.service->name, *text).message() : text.status().message();
    }
  });

  for (size_t i = 0; i < plans.size(); ++i) {
    const PlannedService& p = plans[i];
    for (const auto& d : p.findings) {
      (d.severity == Diagnostic::Severity::kError ? log.Error(d.ToString())
                                                  : log.Warning(d.ToString()));
    }
    if (!p.ok()) {
      log.Error("Not generating a drop-in for " + p.service->name +
                ": the policy is refused (see above), ignoring.");
      ++counts.refused;
    } else if (!write_errors[i].empty()) {
      log.Error(write_errors[i] + ", ignoring.");
      ++counts.refused;
    } else {
      ++counts.written;
    }
  }
  return counts;
}

}  // namespace capset::generator
