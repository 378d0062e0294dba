// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/iab.h"

#include <memory>
#include <optional>

#include "iab_text.h"
#include "sys/libcap_iab.h"

namespace capset {
namespace {

using internal::CapFree;

template <typename Fn>
CapMask Collect(Fn&& is_set) {
  CapMask mask = 0;
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    if (is_set(static_cast<cap_value_t>(cap))) mask |= CapBit(cap);
  }
  return mask;
}

}  // namespace

Result<Iab> Iab::FromText(std::string_view text) {
  if (std::optional<Iab> common = internal::ReadCommonIabText(text)) return *common;
  const std::string copy(text);
  internal::CapIabPtr iab(cap_iab_from_text(copy.c_str()));
  if (!iab) {
    return Status(Code::kInvalidArgument,
                  "invalid IAB text '" + copy + "' (expected e.g. '^cap_net_raw,!cap_sys_module')");
  }
  auto vec = [&](cap_iab_vector_t v) {
    return Collect([&](cap_value_t c) { return cap_iab_get_vector(iab.get(), v, c) == CAP_SET; });
  };
  return Iab{vec(CAP_IAB_INH), vec(CAP_IAB_AMB), vec(CAP_IAB_BOUND)};
}

namespace internal {

CapIabPtr ToCapIab(const Iab& iab) {
  CapIabPtr out(cap_iab_init());
  if (!out) return out;
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    const auto c = static_cast<cap_value_t>(cap);
    const CapMask bit = CapBit(cap);
    if (((iab.inheritable & bit) && cap_iab_set_vector(out.get(), CAP_IAB_INH, c, CAP_SET) != 0) ||
        ((iab.ambient & bit) && cap_iab_set_vector(out.get(), CAP_IAB_AMB, c, CAP_SET) != 0) ||
        ((iab.bounding_drop & bit) &&
         cap_iab_set_vector(out.get(), CAP_IAB_BOUND, c, CAP_SET) != 0)) {
      return nullptr;
    }
  }
  return out;
}

}  // namespace internal

std::string Iab::ToText() const {
  internal::CapIabPtr iab = internal::ToCapIab(*this);
  if (!iab) return "?";
  std::unique_ptr<char, CapFree> text(cap_iab_to_text(iab.get()));
  return text ? std::string(text.get()) : std::string("?");
}

Result<CapState> CapState::FromText(std::string_view text) {
  const std::string copy(text);
  std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_from_text(copy.c_str()));
  if (!caps) {
    return Status(Code::kInvalidArgument,
                  "invalid capability text '" + copy + "' (expected cap_from_text(3) syntax)");
  }
  auto flag = [&](cap_flag_t f) {
    return Collect([&](cap_value_t c) {
      cap_flag_value_t v = CAP_CLEAR;
      return cap_get_flag(caps.get(), c, f, &v) == 0 && v == CAP_SET;
    });
  };
  return CapState{flag(CAP_EFFECTIVE), flag(CAP_PERMITTED), flag(CAP_INHERITABLE)};
}

std::string CapState::ToText() const {
  std::unique_ptr<std::remove_pointer_t<cap_t>, CapFree> caps(cap_init());
  if (!caps) return "?";
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    const auto c = static_cast<cap_value_t>(cap);
    if (effective & CapBit(cap)) cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &c, CAP_SET);
    if (permitted & CapBit(cap)) cap_set_flag(caps.get(), CAP_PERMITTED, 1, &c, CAP_SET);
    if (inheritable & CapBit(cap)) cap_set_flag(caps.get(), CAP_INHERITABLE, 1, &c, CAP_SET);
  }
  std::unique_ptr<char, CapFree> text(cap_to_text(caps.get(), nullptr));
  return text ? std::string(text.get()) : std::string("?");
}

}  // namespace capset
