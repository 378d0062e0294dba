#include "iab_text.h"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "sys/libcap.h"

namespace capset::internal {
namespace {

// Capability names as libcap spells them ("cap_chown"), sorted for binary search.
struct NameTable {
  struct Entry {
    std::string name;
    int value;
  };
  std::vector<Entry> entries;

  NameTable() {
    for (int cap = 0; cap < kMaxCapBits; ++cap) {
      std::unique_ptr<char, int (*)(void*)> name(cap_to_name(static_cast<cap_value_t>(cap)),
                                                 cap_free);
      // libcap prints capabilities it has no name for as numbers; those go to libcap.
      if (name && std::string_view(name.get()).rfind("cap_", 0) == 0) {
        entries.push_back({name.get(), cap});
      }
    }
    std::sort(entries.begin(), entries.end(),
              [](const Entry& a, const Entry& b) { return a.name < b.name; });
  }

  std::optional<int> Find(std::string_view lower) const {
    auto it = std::lower_bound(entries.begin(), entries.end(), lower,
                               [](const Entry& e, std::string_view n) { return e.name < n; });
    if (it == entries.end() || it->name != lower) return std::nullopt;
    return it->value;
  }
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
    std::array<char, 40> lower{};
    size_t len = 0;
    for (; i < text.size() && IsNameChar(text[i]); ++i, ++len) {
      if (len == lower.size()) return std::nullopt;
      const char c = text[i];
      lower[len] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    if (len == 0) return std::nullopt;
    const std::optional<int> cap = Names().Find(std::string_view(lower.data(), len));
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
