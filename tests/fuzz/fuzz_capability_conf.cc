// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target: capability.conf (pam_cap's format) on any bytes, for every identity and
// for none. Besides not crashing: a file holding a NUL or another control character but tab
// and newline grants nothing (it is an error as a whole), a decision is only ever a rule of
// the file, and the text fed in pieces of whole lines (as pam_capset reads it, through a fixed
// buffer) parses exactly as the whole text does.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_capability_conf CORPUS_DIR
//   any compiler: fuzz_capability_conf_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <utility>

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
  // Pieces: cut after every newline whose offset is odd, say.
  CapabilityConfParser pieces("fuzz.conf", &who);
  size_t from = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && i % 2 == 1) {
      pieces.Lines(text.substr(from, i + 1 - from));
      from = i + 1;
    }
  }
  if (from < text.size()) pieces.Lines(text.substr(from));
  const LoginRules a = std::move(pieces).Finish();
  const LoginRules b = ParseCapabilityConf(text, "fuzz.conf", &who);
  if (a.rules.size() != b.rules.size() || a.diagnostics.size() != b.diagnostics.size()) {
    std::abort();
  }
  for (size_t i = 0; i < a.diagnostics.size(); ++i) {
    if (a.diagnostics[i].ToString() != b.diagnostics[i].ToString()) std::abort();
  }
  for (size_t i = 0; i < a.rules.size(); ++i) {
    if (a.rules[i].where.ToString() != b.rules[i].where.ToString()) std::abort();
  }
  return 0;
}
