// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target, a property: for any policy the parser accepts, every service's rendered drop-in
// read back with systemd's syntax (tests/common/dropin_oracle.h) is exactly the directives
// capset meant — no value, name or comment can add, continue or end a directive.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_dropin CORPUS_DIR
//   any compiler: fuzz_dropin_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "capset/policy_parser.h"
#include "capset/unit_gen.h"
#include "common/dropin_oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  // The first line is the policy file's name (it goes into the drop-in's header comment).
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nl = all.find('\n');
  const std::string file(nl == std::string_view::npos ? std::string_view("p.yaml")
                                                      : all.substr(0, nl));
  const std::string_view text = nl == std::string_view::npos ? all : all.substr(nl + 1);
  const ParsedPolicy p = ParsePolicy(text, file);
  if (!p.ok()) return 0;
  for (const ServicePolicy& s : p.policy.services) {
    Result<std::string> dropin = RenderDropIn(s, nullptr);
    if (!dropin.ok()) std::abort();  // the parser accepted what the renderer refuses
    if (testing::ReadUnitFile(*dropin) != testing::MeantDirectives(s, nullptr)) std::abort();
  }
  return 0;
}
