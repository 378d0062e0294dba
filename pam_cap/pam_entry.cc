// pam_capset.so's C ABI: the only exported symbols (pam_capset.sym). Each entry point is
// noexcept and runs through pam::Guard; see pam_glue.h for the rules.
#include <security/pam_modules.h>

#include "pam_glue.h"

#define CAPSET_PAM_EXPORT extern "C" __attribute__((visibility("default")))

CAPSET_PAM_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc,
                                          const char** argv) noexcept {
  return capset::pam::Guard(pamh,
                            [&] { return capset::pam::Authenticate(pamh, flags, argc, argv); });
}

CAPSET_PAM_EXPORT int pam_sm_setcred(pam_handle_t* pamh, int flags, int argc,
                                     const char** argv) noexcept {
  return capset::pam::Guard(pamh, [&] { return capset::pam::SetCred(pamh, flags, argc, argv); });
}
