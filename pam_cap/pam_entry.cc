// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_capset.so's C ABI: the only exported symbols (pam_capset.sym). Each entry point runs
// its whole body through pam::Guard, which catches everything, so no exception crosses the
// C ABI; see pam_glue.h for the rules. (No `noexcept` here: <security/pam_modules.h>
// declares them without one, and a mismatched redeclaration is an error in Clang.)
#include <security/pam_modules.h>

#include "pam_glue.h"

#define CAPSET_PAM_EXPORT extern "C" __attribute__((visibility("default")))

CAPSET_PAM_EXPORT int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc,
                                          const char** argv) {
  return capset::pam::Guard(pamh,
                            [&] { return capset::pam::Authenticate(pamh, flags, argc, argv); });
}

CAPSET_PAM_EXPORT int pam_sm_setcred(pam_handle_t* pamh, int flags, int argc,
                                     const char** argv) {
  return capset::pam::Guard(pamh, [&] { return capset::pam::SetCred(pamh, flags, argc, argv); });
}

CAPSET_PAM_EXPORT int pam_sm_open_session(pam_handle_t* pamh, int flags, int argc,
                                          const char** argv) {
  return capset::pam::Guard(pamh,
                            [&] { return capset::pam::OpenSession(pamh, flags, argc, argv); });
}

CAPSET_PAM_EXPORT int pam_sm_close_session(pam_handle_t* pamh, int flags, int argc,
                                           const char** argv) {
  return capset::pam::Guard(pamh,
                            [&] { return capset::pam::CloseSession(pamh, flags, argc, argv); });
}
