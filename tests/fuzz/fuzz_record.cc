// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: the record of applied files (/var/lib/capset/applied-files.json, which capsetd
// may write and root then reads), on any bytes. Besides not crashing: an accepted record
// names only absolute paths that stay inside a root, and written out again reads back equal.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_record CORPUS_DIR
//   any compiler: fuzz_record_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capset/applied_record.h"
#include "capset/safe_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Result<AppliedRecord> record = AppliedRecord::FromJson(text, "fuzz.json");
  if (!record.ok()) return 0;
  for (const auto& [path, f] : record->files) {
    if (path.empty() || path[0] != '/' || !PathBelowRoot(path).ok() || f.path != path) {
      std::abort();
    }
  }
  const Result<AppliedRecord> back = AppliedRecord::FromJson(record->ToJson(), "again");
  if (!back.ok() || !(*back == *record)) std::abort();
  return 0;
}
