// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: a profile document (capctl profile --json, --unit's kept profiles), read back
// by capctl profile merge, on any bytes. Besides not crashing: an accepted document writes a
// policy that capset's own parser accepts without a diagnostic (the policy is lint-clean
// whatever the names in the document), and written out again it reads back the same.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_profile_document CORPUS_DIR
//   any compiler: fuzz_profile_document_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>

#include "capset/ipc/json_text.h"
#include "capset/policy_parser.h"
#include "capset/profile_document.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Result<PolicyEntry> entry = ReadProfileDocument(text, "fuzz.json");
  if (!entry.ok()) return 0;
  const Result<std::string> policy = RenderPolicy({*entry});
  if (!policy.ok()) return 0;  // a string YAML cannot carry is refused, not written
  if (!policy->empty() && !ParsePolicy(*policy, "fuzz.yaml").diagnostics.empty()) std::abort();
  nlohmann::json doc;
  SetPolicyEntryJson(doc, *entry);
  const Result<PolicyEntry> back = ReadProfileDocument(DumpJson(doc), "fuzz.json");
  if (!back.ok() || back->needed != entry->needed || back->program != entry->program ||
      back->service.has_value() != entry->service.has_value()) {
    std::abort();
  }
  return 0;
}
