// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: the security.capability decoder (what capctl get and policy verify trust), on
// any bytes. Besides not crashing: whatever decodes, encoded again and decoded, is the same
// capability (root id included), and the encoding is never longer than the kernel's maximum.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_vfs_cap CORPUS_DIR
//   any compiler: fuzz_vfs_cap_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>

#include "capset/vfs_cap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const Result<VfsCap> decoded = DecodeVfsCap({data, size});
  if (!decoded.ok()) return 0;
  const VfsCapBytes again = EncodeVfsCap(decoded->caps);
  if (again.size == 0 || again.size > kVfsCapMaxSize) std::abort();
  const Result<VfsCap> back = DecodeVfsCap(again.span());
  if (!back.ok() || !(back->caps == decoded->caps)) std::abort();
  return 0;
}
