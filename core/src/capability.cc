// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/capability.h"

#include <cctype>
#include <memory>

#include "sys/libcap.h"

namespace capset {

int KernelCapBits() { return static_cast<int>(cap_max_bits()); }

CapMask KernelCapMask() {
  const int bits = KernelCapBits();
  return bits >= kMaxCapBits ? ~CapMask{0} : CapBit(bits) - 1;
}

std::string CapName(int cap) {
  std::unique_ptr<char, int (*)(void*)> name(cap_to_name(cap), cap_free);
  if (!name) return std::to_string(cap);
  return name.get();
}

Result<int> CapFromName(std::string_view name) {
  std::string lower;
  lower.reserve(name.size() + 4);
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  // Accept the short form systemd also accepts nowhere but users type: "net_raw".
  if (!lower.empty() && !std::isdigit(static_cast<unsigned char>(lower[0])) &&
      lower.rfind("cap_", 0) != 0) {
    lower.insert(0, "cap_");
  }
  cap_value_t value = 0;
  if (lower.empty() || cap_from_name(lower.c_str(), &value) != 0 || value < 0 ||
      value >= kMaxCapBits) {
    return Status(Code::kInvalidArgument,
                  "unknown capability '" + std::string(name) + "' (see capabilities(7))");
  }
  return static_cast<int>(value);
}

std::vector<std::string> CapNames(CapMask mask) {
  std::vector<std::string> names;
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    if (mask & CapBit(cap)) names.push_back(CapName(cap));
  }
  return names;
}

std::string CapNameList(CapMask mask) {
  std::string list;
  for (const auto& n : CapNames(mask)) list += (list.empty() ? "" : ",") + n;
  return list;
}

}  // namespace capset
