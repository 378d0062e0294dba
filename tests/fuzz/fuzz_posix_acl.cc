// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: the system.posix_acl_access decoder behind the trust rule, on any bytes.
// Besides not crashing: only well-formed version-2 ACLs (a 4-byte header, 8-byte entries) are
// accepted, and every writer it reports is of an entry that is in the bytes.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_posix_acl CORPUS_DIR
//   any compiler: fuzz_posix_acl_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "capset/posix_acl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Result<std::vector<AclWriter>> writers = AclWriters(bytes);
  if (!writers.ok()) return 0;
  if (size < 4 || (size - 4) % 8 != 0 || data[0] != 2 || data[1] || data[2] || data[3]) {
    std::abort();
  }
  if (writers->size() > (size - 4) / 8) std::abort();
  return 0;
}
