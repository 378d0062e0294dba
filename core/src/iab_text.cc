// SPDX-License-Identifier: LGPL-2.1-or-later
#include "iab_text.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "sys/libcap.h"

namespace capset::internal {
namespace {

// The characters a capability name may hold, folded to lower case ('A' and 'a' are 'a', '_'
// is '_'); 0 for every other byte. One table look-up per character classifies, folds and
// feeds the hash.
constexpr std::array<unsigned char, 256> kFolded = [] {
  std::array<unsigned char, 256> t{};
  for (unsigned char c = 'a'; c <= 'z'; ++c) t[c] = c;
  for (unsigned char c = 'A'; c <= 'Z'; ++c) t[c] = static_cast<unsigned char>(c - 'A' + 'a');
  t['_'] = '_';
  return t;
}();

unsigned char Folded(char c) { return kFolded[static_cast<unsigned char>(c)]; }

// FNV-1a over the folded name: every character counts, so a probe rarely compares twice.
struct NameHash {
  uint32_t value = 2166136261u;
  void Add(unsigned char folded) { value = (value ^ folded) * 16777619u; }
};

// Capability names as libcap spells them ("cap_chown"), in a small open-addressing hash
// table: one hash (made while the name is scanned) and usually one comparison per token.
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

  /// `name` holds only characters kFolded knows, and `hash` is their NameHash.
  std::optional<int> Find(std::string_view name, NameHash hash) const {
    for (size_t i = hash.value % kSlots;; i = (i + 1) % kSlots) {
      const Slot& slot = slots_[i];
      if (slot.value < 0) return std::nullopt;
      if (slot.hash == hash.value && FoldedEqual(slot.name, name)) return slot.value;
    }
  }

 private:
  static constexpr size_t kSlots = size_t{4} * kMaxCapBits;  // at most a quarter full
  struct Slot {
    std::string name;  ///< folded
    uint32_t hash = 0;
    int value = -1;  ///< -1: empty
  };

  static bool FoldedEqual(std::string_view folded, std::string_view name) {
    if (folded.size() != name.size()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      if (folded[i] != static_cast<char>(Folded(name[i]))) return false;
    }
    return true;
  }

  void Insert(std::string_view name, int value) {
    NameHash hash;
    std::string folded;
    for (char c : name) {
      folded += static_cast<char>(Folded(c));
      hash.Add(Folded(c));
    }
    size_t i = hash.value % kSlots;
    while (slots_[i].value >= 0) i = (i + 1) % kSlots;
    slots_[i] = {std::move(folded), hash.value, value};
  }

  std::array<Slot, kSlots> slots_;
};

const NameTable& Names() {
  static const NameTable table;  // built once, never changed
  return table;
}

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
    NameHash hash;
    for (; i < text.size() && Folded(text[i]) != 0; ++i) hash.Add(Folded(text[i]));
    if (i == begin) return std::nullopt;
    const std::optional<int> cap = Names().Find(text.substr(begin, i - begin), hash);
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
