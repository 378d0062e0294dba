// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: the YAML policy parser (capset.policy(5)) on any bytes. Besides not crashing:
// an accepted policy never holds a path that could leave --root, and every accepted path
// written back through YamlQuoted (what capctl audit --policy-out writes) reads back as
// itself.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_policy CORPUS_DIR
//   any compiler: fuzz_policy_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "capset/policy_parser.h"
#include "capset/safe_path.h"
#include "capset/yaml_quote.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const ParsedPolicy p = ParsePolicy(text, "fuzz.yaml");
  if (!p.ok()) return 0;
  for (const FileEntry& e : p.policy.files) {
    if (e.path.empty() || e.path[0] != '/' || !PathBelowRoot(e.path).ok()) std::abort();
    Result<std::string> quoted = YamlQuoted(e.path);
    if (!quoted.ok()) continue;  // not UTF-8: YAML cannot hold it
    const ParsedPolicy back =
        ParsePolicy("files:\n  - path: " + *quoted + "\n    caps: \"cap_net_raw=p\"\n", "back");
    if (!back.ok() || back.policy.files.size() != 1 || back.policy.files[0].path != e.path) {
      std::abort();
    }
  }
  return 0;
}
