// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: capability.conf (pam_cap's format) on any bytes, for every identity and
// for none. Besides not crashing: a file holding a NUL or another control character but tab
// and newline grants nothing (it is an error as a whole), and a decision is only ever a rule
// of the file.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_capability_conf CORPUS_DIR
//   any compiler: fuzz_capability_conf_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "capset/login_policy.h"
#include "capset/trusted_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool control = FindControlCharacter(text, /*allow_crlf=*/false).has_value();
  LoginIdentity who;
  who.user = "alice";
  who.groups = {"alice", "netadmin"};
  const LoginIdentity* const identities[] = {nullptr, &who};
  for (const LoginIdentity* only : identities) {
    const LoginRules rules = ParseCapabilityConf(text, "fuzz.conf", only);
    if (control && rules.ok()) std::abort();  // fail closed
    if (!rules.ok()) continue;
    const LoginDecision d = DecideLogin(rules, who);
    if (d.matched && d.rule == nullptr) std::abort();
  }
  return 0;
}
