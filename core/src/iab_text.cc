// SPDX-License-Identifier: LGPL-2.1-or-later
#include "iab_text.h"

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "sys/libcap.h"

namespace capset::internal {
namespace {

// Capability names as libcap spells them ("cap_chown"), in a small open-addressing hash
// table: one hash and usually one comparison per token.
class NameTable {
 public:
  NameTable() {
    for (int cap = 0; cap < kMaxCapBits; ++cap) {
      std::unique_ptr<char, int (*)(void*)> name(cap_to_name(static_cast<cap_value_t>(cap)),
                                                 cap_free);
      // libcap prints capabilities it has no name for as numbers; those go to libcap.
      if (name && std::string_view(name.get()).rfind("cap_", 0) == 0) Insert(name.get(), cap);
    }
  }

  /// `name` holds only letters and '_' (any case).
  std::optional<int> Find(std::string_view name) const {
    for (size_t i = Hash(name) % kSlots;; i = (i + 1) % kSlots) {
      if (slots_[i].value < 0) return std::nullopt;
      if (FoldedEqual(slots_[i].name, name)) return slots_[i].value;
    }
  }

 private:
  static constexpr size_t kSlots = size_t{4} * kMaxCapBits;  // at most a quarter full
  struct Slot {
    std::string name;
    int value = -1;  ///< -1: empty
  };

  // Case folding for letters and '_' only (the characters a name may hold): 'A'..'Z' become
  // 'a'..'z', and '_' becomes 0x7f, which no other of them becomes.
  static unsigned Fold(char c) { return static_cast<unsigned char>(c) | 0x20u; }

  static bool FoldedEqual(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (Fold(a[i]) != Fold(b[i])) return false;
    }
    return true;
  }

  // Cheap on purpose (no loop): the length and three characters; probing sorts out the rest.
  static size_t Hash(std::string_view s) {
    if (s.empty()) return 0;
    const size_t n = s.size();
    return n * 131 + size_t{Fold(s[n > 4 ? 4 : 0])} * 31 + size_t{Fold(s[n / 2])} * 7 +
           Fold(s[n - 1]);
  }

  void Insert(std::string name, int value) {
    size_t i = Hash(name) % kSlots;
    while (slots_[i].value >= 0) i = (i + 1) % kSlots;
    slots_[i] = {std::move(name), value};
  }

  std::array<Slot, kSlots> slots_;
};

const NameTable& Names() {
  static const NameTable table;  // built once, never changed
  return table;
}

bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

}  // namespace

std::optional<Iab> ReadCommonIabText(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Iab iab;
  size_t i = 0;
  while (true) {
    bool drop = false, ambient = false, inheritable = false;
    for (; i < text.size(); ++i) {
      if (text[i] == '!') {
        drop = true;
      } else if (text[i] == '^') {
        ambient = inheritable = true;
      } else if (text[i] == '%') {
        inheritable = true;
      } else {
        break;
      }
    }
    if (!drop && !ambient && !inheritable) inheritable = true;  // a bare name is Inh
    const size_t begin = i;
    while (i < text.size() && IsNameChar(text[i])) ++i;
    if (i == begin) return std::nullopt;
    const std::optional<int> cap = Names().Find(text.substr(begin, i - begin));
    if (!cap) return std::nullopt;
    const CapMask bit = CapBit(*cap);
    if (inheritable) iab.inheritable |= bit;
    if (ambient) iab.ambient |= bit;
    if (drop) iab.bounding_drop |= bit;
    if (i == text.size()) return iab;
    if (text[i] != ',' || i + 1 == text.size()) return std::nullopt;
    ++i;
  }
}

}  // namespace capset::internal
