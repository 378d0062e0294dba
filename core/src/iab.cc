#include "capset/iab.h"

#include <memory>

#include "sys/libcap.h"

namespace capset {
namespace {

struct CapFree {
  void operator()(void* p) const { cap_free(p); }
};

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
  const std::string copy(text);
  std::unique_ptr<std::remove_pointer_t<cap_iab_t>, CapFree> iab(cap_iab_from_text(copy.c_str()));
  if (!iab) {
    return Status(Code::kInvalidArgument,
                  "invalid IAB text '" + copy + "' (expected e.g. '^cap_net_raw,!cap_sys_module')");
  }
  auto vec = [&](cap_iab_vector_t v) {
    return Collect([&](cap_value_t c) { return cap_iab_get_vector(iab.get(), v, c) == CAP_SET; });
  };
  return Iab{vec(CAP_IAB_INH), vec(CAP_IAB_AMB), vec(CAP_IAB_BOUND)};
}

std::string Iab::ToText() const {
  std::unique_ptr<std::remove_pointer_t<cap_iab_t>, CapFree> iab(cap_iab_init());
  if (!iab) return "?";
  for (int cap = 0; cap < kMaxCapBits; ++cap) {
    const auto c = static_cast<cap_value_t>(cap);
    if (inheritable & CapBit(cap)) cap_iab_set_vector(iab.get(), CAP_IAB_INH, c, CAP_SET);
    if (ambient & CapBit(cap)) cap_iab_set_vector(iab.get(), CAP_IAB_AMB, c, CAP_SET);
    if (bounding_drop & CapBit(cap)) cap_iab_set_vector(iab.get(), CAP_IAB_BOUND, c, CAP_SET);
  }
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
