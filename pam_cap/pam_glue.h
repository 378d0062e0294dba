// SPDX-License-Identifier: LGPL-2.1-or-later
// pam_capset — the module's logic behind the C ABI (pam_entry.cc).
//
// ABI rules (compare LevelDB's include/leveldb/c.h): every entry point runs its body through
// Guard (noexcept), which turns std::bad_alloc into PAM_BUF_ERR and any other exception into
// PAM_SERVICE_ERR, logging each. Errors are never PAM_SUCCESS or PAM_IGNORE; PAM_IGNORE means
// only "no rule for this user". No mutable global state: options are parsed from argv on
// every call, and the only state is in the PAM handle — the decision pam_sm_authenticate
// made, which pam_sm_setcred reuses for the same user and the same module arguments instead
// of reading the rules and the user's groups a second time.
#pragma once

#include <security/pam_modules.h>

#include <string>

#include "capset/login_sources.h"
#include "capset/status.h"

namespace capset::pam {

struct Options {
  LoginSources sources;
  std::string default_iab;  ///< default=: used when no rule matches ("" = none)
  bool keepcaps = false;
  bool autoauth = false;
  bool defer = false;
  bool debug = false;
};

/// Parses module arguments. Unknown arguments are errors (a typo must not silently change
/// what is granted).
Result<Options> ParseOptions(int argc, const char** argv);

/// The one place a Status becomes a PAM code.
int ToPamCode(const Status& status);

int Authenticate(pam_handle_t* pamh, int flags, int argc, const char** argv);
int SetCred(pam_handle_t* pamh, int flags, int argc, const char** argv);
/// The session hook: applies the user's rule now and arranges to apply it again after the
/// login program's setuid() (as `keepcaps defer` do), so that ambient capabilities reach the
/// user's shell with su, runuser and login without module arguments.
int OpenSession(pam_handle_t* pamh, int flags, int argc, const char** argv);
int CloseSession(pam_handle_t* pamh, int flags, int argc, const char** argv);

/// Runs `body`, converting exceptions as described above.
template <typename Fn>
int Guard(pam_handle_t* pamh, Fn&& body) noexcept;

void LogBadAlloc(pam_handle_t* pamh) noexcept;
void LogException(pam_handle_t* pamh, const char* what) noexcept;

template <typename Fn>
int Guard(pam_handle_t* pamh, Fn&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    LogBadAlloc(pamh);
    return PAM_BUF_ERR;
  } catch (const std::exception& e) {
    LogException(pamh, e.what());
    return PAM_SERVICE_ERR;
  } catch (...) {
    LogException(pamh, "unknown exception");
    return PAM_SERVICE_ERR;
  }
}

}  // namespace capset::pam
