// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a unit file as capctl audit --services reads one (--root, and the prediction
// with capset's drop-in), on any bytes: parsed, read into the settings systemd-analyze
// assesses, and assessed. Properties: 81 checks, each badness within its range, an exposure
// of at most 10.0, and the live adjustment never raising it.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_unit_file CORPUS_DIR
//   any compiler: fuzz_unit_file_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capset/service_exposure.h"
#include "capset/unit_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  static const SyscallGroups groups = ParseSyscallGroups(
      "@default\n    execve\n@system-service\n    @setuid\n    read\n@setuid\n    setuid\n"
      "@privileged\n    @setuid\n    chroot\n@mount\n    mount\n");
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::vector<UnitAssignment> a = ParseUnitFile(text, "fuzz.service");
  SecuritySettings s = SecuritySettingsOf(a, groups);
  auto exists = [](const std::string& n) { return n.size() % 7 != 3; };
  const Exposure e = AssessExposure(s, groups, exists);
  if (e.checks.size() != 81 || e.value > 100) std::abort();
  for (const ExposureCheck& c : e.checks) {
    if (c.applicable && c.badness > c.range) std::abort();
  }
  AdjustAsLiveAnalysis(s);
  if (AssessExposure(s, groups, exists).value > e.value) std::abort();
  return 0;
}
