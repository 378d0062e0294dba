// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: what capctl audit --services reads of /proc (a process's cgroup lines, the
// /proc/net socket tables), on any bytes: no crash, every socket found has an inode, and a
// process's control groups are what ProcessesIn matches it by.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_proc_tables CORPUS_DIR
//   any compiler: fuzz_proc_tables_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capset/service_processes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const char* protocol : {"tcp", "tcp6", "udp", "udp6"}) {
    for (const auto& [inode, socket] : ParseSocketTable(text, protocol)) {
      if (inode == 0 || socket.protocol != protocol) std::abort();
    }
  }
  ServiceProcess p;
  p.cgroups = CgroupsOfProcess(text);
  for (const std::string& c : p.cgroups) {
    if (c.empty()) std::abort();
    if (c != "/" && ProcessesIn({p}, c).size() != 1) std::abort();
  }
  return 0;
}
