// SPDX-License-Identifier: LGPL-2.1-or-later
// Fuzz target, differential: capset's fast reader of the common IAB forms
// (core/src/iab_text.h, what pam_capset reads every capability.conf line with) against
// libcap's cap_iab_from_text(), the authority. Whenever the fast reader gives an answer, libcap
// must accept the same text and mean the same sets.
//   libFuzzer (clang, -DCAPSET_FUZZ=ON): fuzz_iab_text CORPUS_DIR
//   any compiler: fuzz_iab_text_replay FILE... (the seed corpus, as a regression test)
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "iab_text.h"
#include "sys/libcap.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace capset;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (text.find('\0') != std::string::npos) return 0;  // a C string to libcap
  const std::optional<Iab> mine = internal::ReadCommonIabText(text);
  if (!mine) return 0;  // not a form it claims: libcap decides, as in Iab::FromText
  std::unique_ptr<std::remove_pointer_t<cap_iab_t>, int (*)(void*)> theirs(
      cap_iab_from_text(text.c_str()), cap_free);
  if (!theirs) std::abort();  // the fast reader accepted what libcap refuses
  for (int c = 0; c < kMaxCapBits; ++c) {
    const auto v = static_cast<cap_value_t>(c);
    const bool inh = cap_iab_get_vector(theirs.get(), CAP_IAB_INH, v) == CAP_SET;
    const bool amb = cap_iab_get_vector(theirs.get(), CAP_IAB_AMB, v) == CAP_SET;
    const bool bnd = cap_iab_get_vector(theirs.get(), CAP_IAB_BOUND, v) == CAP_SET;
    if (inh != ((mine->inheritable & CapBit(c)) != 0) ||
        amb != ((mine->ambient & CapBit(c)) != 0) ||
        bnd != ((mine->bounding_drop & CapBit(c)) != 0)) {
      std::abort();
    }
  }
  return 0;
}
