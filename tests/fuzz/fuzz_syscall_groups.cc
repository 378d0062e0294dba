// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: systemd's system call groups as `systemd-analyze syscall-filter` prints them
// (capctl profile --unit reads them to say what a template's SystemCallFilter= blocks), on any
// bytes, then every group used as a filter: no crash, and a group naming itself (or a cycle)
// ends.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_syscall_groups CORPUS_DIR
//   any compiler: fuzz_syscall_groups_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <string>

#include "capset/sandbox_fit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const SyscallGroups groups = ParseSyscallGroups(text);
  TracedRun run;
  for (int nr = 0; nr < 335; nr += 7) run.syscalls.push_back(nr);
  SandboxContext context;
  size_t n = 0;
  for (const auto& [name, items] : groups) {
    if (++n > 64) break;
    FitTemplate(run, {{"SystemCallFilter", name}, {"SystemCallFilter", "~" + name}}, groups,
                context);
  }
  return 0;
}
