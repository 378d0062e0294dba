// SPDX-License-Identifier: LGPL-2.1-or-later
#include "pam_glue.h"

#include <fcntl.h>
#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <optional>

#include "capset/login_apply.h"
#include "capset/printable.h"

namespace capset::pam {
namespace {

constexpr const char kDeferredKey[] = "pam_capset_deferred";
constexpr const char kDecisionKey[] = "pam_capset_decision";
constexpr const char kKeepCapsKey[] = "pam_capset_keepcaps";

// What pam_sm_authenticate decided, kept in the handle for pam_sm_setcred.
struct Decision {
  std::string user;
  std::optional<LoginRule> rule;  ///< nullopt: no rule for this user
};

// One key per module line: two pam_capset lines with different arguments in one stack must
// not see each other's decision.
std::string DecisionKey(int argc, const char** argv) {
  std::string key = kDecisionKey;
  for (int i = 0; i < argc; ++i) key.append(1, '\x1f').append(argv[i]);
  return key;
}

void FreeDecision(pam_handle_t* /*pamh*/, void* data, int /*error_status*/) noexcept {
  delete static_cast<Decision*>(data);
}

void RememberDecision(pam_handle_t* pamh, int argc, const char** argv, const std::string& user,
                      const std::optional<LoginRule>& rule) {
  auto d = std::make_unique<Decision>(Decision{user, rule});
  // Failing to remember only costs setcred a second look-up.
  if (pam_set_data(pamh, DecisionKey(argc, argv).c_str(), d.get(), FreeDecision) == PAM_SUCCESS) {
    (void)d.release();  // owned by libpam now
  }
}

const Decision* RecalledDecision(pam_handle_t* pamh, int argc, const char** argv,
                                 const std::string& user) {
  const void* data = nullptr;
  if (pam_get_data(pamh, DecisionKey(argc, argv).c_str(), &data) != PAM_SUCCESS) return nullptr;
  const auto* d = static_cast<const Decision*>(data);
  return d != nullptr && d->user == user ? d : nullptr;
}

// SECURITY: every message this module logs goes through here, its control characters escaped:
// the user name is what a client typed (sshd hands PAM the name of an invalid user too), and
// a newline or an escape sequence in it must not forge or hide a line of the auth log.
void Log(pam_handle_t* pamh, int priority, const std::string& message) {
  pam_syslog(pamh, priority, "%s", ControlsEscaped(message).c_str());
}

// "user 'NAME': ", the name's backslashes escaped too, so that it reads back unambiguously.
std::string AboutUser(const std::string& user) { return "user '" + Printable(user) + "': "; }

void LogDiagnostics(pam_handle_t* pamh, const std::vector<Diagnostic>& diagnostics) {
  for (const auto& d : diagnostics) {
    Log(pamh, d.severity == Diagnostic::Severity::kError ? LOG_ERR : LOG_WARNING, d.ToString());
  }
}

// The rule for `user`: the first match, else default=, else nullopt (no rule).
Result<std::optional<LoginRule>> Decide(pam_handle_t* pamh, const Options& opt,
                                        const std::string& user) {
  CAPSET_ASSIGN_OR_RETURN(LoginIdentity who, LookupIdentity(RealSys(), user));
  const LoginRules rules = LoadLoginRules(opt.sources, &who);
  LogDiagnostics(pamh, rules.diagnostics);
  if (!rules.ok()) {
    return Status(Code::kCorrupt,
                  "the capability rules have errors (logged above); granting "
                  "nothing");
  }
  const LoginDecision d = DecideLogin(rules, who);
  if (d.matched) {
    if (opt.debug) {
      Log(pamh, LOG_DEBUG,
          AboutUser(user) + d.rule->where.ToString() + " matches as '" + Printable(d.matched_id) +
              "': " + d.rule->text);
    }
    return std::optional<LoginRule>(*d.rule);
  }
  if (!opt.default_iab.empty()) {
    LoginRules def = ParseCapabilityConf(opt.default_iab + " *", "default=");
    if (opt.debug) {
      Log(pamh, LOG_DEBUG, AboutUser(user) + "no rule matches, using default=" + opt.default_iab);
    }
    return std::optional<LoginRule>(def.rules.at(0));
  }
  if (opt.debug) Log(pamh, LOG_DEBUG, AboutUser(user) + "no rule matches");
  return std::optional<LoginRule>();
}

// pam_end() calls this for the deferred rule; it applies only for
// pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT), as pam_cap's defer does: that is the call a
// login program makes in the child, after setuid(), when ambient capabilities can stick.
void ApplyDeferred(pam_handle_t* pamh, void* data, int error_status) noexcept {
  std::unique_ptr<LoginRule> rule(static_cast<LoginRule*>(data));
  if (error_status & PAM_DATA_REPLACE) return;
  const int status = error_status & ~(PAM_DATA_REPLACE | PAM_DATA_SILENT);
  if (status != PAM_SUCCESS || !(error_status & PAM_DATA_SILENT)) return;
  try {
    Status st = ApplyLoginRule(*rule, false);
    // In the child that has changed to the user: keep nothing beyond the grant.
    if (st.ok()) st = NarrowToGrant();
    if (!st.ok()) Log(pamh, LOG_ERR, "deferred: " + st.message());
  } catch (...) {
    pam_syslog(pamh, LOG_ERR, "deferred: failed to apply the capability rule");
  }
}

}  // namespace

Result<Options> ParseOptions(int argc, const char** argv) {
  Options opt;
  opt.sources.parallel = false;  // no threads inside the login program
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "debug") {
      opt.debug = true;
    } else if (a == "keepcaps") {
      opt.keepcaps = true;
    } else if (a == "autoauth") {
      opt.autoauth = true;
    } else if (a == "defer") {
      opt.defer = true;
    } else if (a == "nopolicy") {
      opt.sources.read_policy = false;
    } else if (a.rfind("config=", 0) == 0) {
      opt.sources.capability_conf = a.substr(7);
    } else if (a.rfind("policy_root=", 0) == 0) {
      opt.sources.root = a.substr(12);
    } else if (a.rfind("default=", 0) == 0) {
      opt.default_iab = a.substr(8);
      LoginRules check = ParseCapabilityConf(opt.default_iab + " *", "default=");
      if (!check.ok() || opt.default_iab.empty()) {
        return Status(Code::kInvalidArgument,
                      "invalid default='" + opt.default_iab + "' (expected IAB text, all or none)");
      }
    } else {
      return Status(Code::kInvalidArgument, "unknown module argument '" + a +
                                                "' (expected config=, default=, keepcaps, "
                                                "autoauth, defer, debug, nopolicy, policy_root=)");
    }
  }
  return opt;
}

int ToPamCode(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return PAM_SUCCESS;
    case Code::kNotFound:
      return PAM_USER_UNKNOWN;
    case Code::kPermissionDenied:
      return PAM_PERM_DENIED;
    case Code::kCorrupt:
    case Code::kUnsafe:
      return PAM_AUTHINFO_UNAVAIL;
    default:
      return PAM_SERVICE_ERR;
  }
}

int Authenticate(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
  Result<Options> opt = ParseOptions(argc, argv);
  if (!opt.ok()) {
    Log(pamh, LOG_ERR, opt.status().message());
    return PAM_SERVICE_ERR;
  }
  const char* user = nullptr;
  const int r = pam_get_user(pamh, &user, nullptr);
  if (r == PAM_CONV_AGAIN) return PAM_INCOMPLETE;
  if (opt->autoauth) return PAM_SUCCESS;  // pam_cap's autoauth: this module never denies
  if (r != PAM_SUCCESS || user == nullptr || *user == '\0') return PAM_AUTH_ERR;
  Result<std::optional<LoginRule>> rule = Decide(pamh, *opt, user);
  if (!rule.ok()) {
    Log(pamh, LOG_ERR, AboutUser(user) + rule.status().message());
    return ToPamCode(rule.status());
  }
  RememberDecision(pamh, argc, argv, user, *rule);
  return rule->has_value() ? PAM_SUCCESS : PAM_IGNORE;
}

namespace {

// The user the handle is about (PAM_USER), or nullopt after logging why not.
std::optional<std::string> HandleUser(pam_handle_t* pamh) {
  const void* item = nullptr;
  if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || item == nullptr ||
      *static_cast<const char*>(item) == '\0') {
    pam_syslog(pamh, LOG_ERR, "the user's name is not set");
    return std::nullopt;
  }
  return std::string(static_cast<const char*>(item));
}

// The decision pam_sm_authenticate stored for this user and module line, else a new one.
Result<std::optional<LoginRule>> RuleFor(pam_handle_t* pamh, const Options& opt, int argc,
                                         const char** argv, const std::string& user) {
  if (const Decision* known = RecalledDecision(pamh, argc, argv, user)) {
    if (opt.debug) {
      Log(pamh, LOG_DEBUG, AboutUser(user) + "using the decision made at authentication");
    }
    return known->rule;
  }
  return Decide(pamh, opt, user);
}

// Why PR_SET_KEEPCAPS must not be set in this application, or nullopt. KEEPCAPS keeps root's
// permitted set across the application's setuid(); that is safe only where the application
// calls pam_end() after it (util-linux su, runuser and login do, in the child), so that the
// deferred rule narrows the process again. sshd's per-session process and systemd's
// (sd-pam) helper change to the user and never call pam_end() or exec(): they would hold
// root's permitted set for the whole session.
std::optional<std::string> KeepCapsUnsafe(pam_handle_t* pamh) {
  const void* item = nullptr;
  const char* service = pam_get_item(pamh, PAM_SERVICE, &item) == PAM_SUCCESS && item
                            ? static_cast<const char*>(item)
                            : "";
  if (std::strcmp(service, "sshd") == 0) {
    return std::string(
        "sshd's session process never calls pam_end() after it changes to "
        "the user");
  }
  if (std::strcmp(service, "systemd-user") == 0) {
    return std::string(
        "systemd's (sd-pam) helper never calls pam_end() after it changes to "
        "the user");
  }
  // A service of systemd's with PAMName=: the process is PID 1's child, renamed "(NAME)".
  char comm[32] = {};
  const int fd = ::open("/proc/self/comm", O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    const ssize_t n = ::read(fd, comm, sizeof comm - 1);
    ::close(fd);
    const size_t len = n > 0 ? static_cast<size_t>(n) : 0;
    if (::getppid() == 1 && len >= 3 && comm[0] == '(' &&
        (comm[len - 1] == ')' || (comm[len - 1] == '\n' && comm[len - 2] == ')'))) {
      return std::string(
          "this is a systemd service with PAMName=, whose (sd-pam) helper never "
          "calls pam_end() after it changes to the user");
    }
  }
  return std::nullopt;
}

// Whether `keepcaps` is to be honoured here; logs why not.
bool KeepCapsAllowed(pam_handle_t* pamh, const char* stage) {
  if (auto why = KeepCapsUnsafe(pamh)) {
    Log(pamh, LOG_WARNING,
        std::string(stage) + ": ignoring keepcaps: " + *why +
            ", so it would keep root's permitted capabilities for the whole session (see "
            "pam_capset(8))");
    return false;
  }
  return true;
}

// Arranges for `rule` to be applied again at pam_end(PAM_SUCCESS | PAM_DATA_SILENT) — the
// call login programs make in the child after setuid(). With `keepcaps`, also sets
// PR_SET_KEEPCAPS so that the permitted set survives that setuid(): ambient capabilities need
// it, and the kernel clears the ambient set on the change of user, so they must be raised
// after it.
Status Defer(pam_handle_t* pamh, const LoginRule& rule, bool keepcaps) {
  // SECURITY: nothing is granted here; the rule is kept for pam_end in the child. What this
  // process holds until then: its own capabilities, unchanged ("all"), with PR_SET_KEEPCAPS
  // only when the administrator asked for `keepcaps` in a stack whose program needs it (the
  // caller refuses it for sshd, systemd-user and a PAMName= child). ApplyDeferred narrows
  // the permitted and effective sets to the grant and clears KEEPCAPS again, and
  // pam_sm_close_session clears it in the application, so no process of the login keeps more
  // than the grant.
  auto deferred = std::make_unique<LoginRule>(rule);
  if (pam_set_data(pamh, kDeferredKey, deferred.get(), ApplyDeferred) != PAM_SUCCESS) {
    return Status(Code::kIoError, "failed to defer the capability rule");
  }
  (void)deferred.release();  // owned by libpam now
  LoginRule keep;
  keep.kind = LoginRule::Kind::kAll;
  return ApplyLoginRule(keep, keepcaps);
}

}  // namespace

namespace {

// Parses the options, finds the handle's user and the rule for them, and when there is one
// calls apply(options, rule). Every failure on the way is logged (with `stage` and the rule's
// file:line) and becomes its PAM code; no rule is PAM_IGNORE.
template <typename Apply>
int WithUserRule(pam_handle_t* pamh, int argc, const char** argv, const char* stage,
                 Apply&& apply) {
  Result<Options> opt = ParseOptions(argc, argv);
  if (!opt.ok()) {
    Log(pamh, LOG_ERR, opt.status().message());
    return PAM_SERVICE_ERR;
  }
  const std::optional<std::string> user = HandleUser(pamh);
  if (!user) return PAM_USER_UNKNOWN;
  Result<std::optional<LoginRule>> rule = RuleFor(pamh, *opt, argc, argv, *user);
  if (!rule.ok()) {
    Log(pamh, LOG_ERR, AboutUser(*user) + rule.status().message());
    return ToPamCode(rule.status());
  }
  if (!rule->has_value()) return PAM_IGNORE;
  const Status st = apply(*opt, **rule);
  if (!st.ok()) {
    // Unlike pam_cap, a failure to apply is an error, not PAM_IGNORE.
    Log(pamh, LOG_ERR,
        AboutUser(*user) + stage + ": " + st.message() + " (rule " + (*rule)->where.ToString() +
            ")");
    return ToPamCode(st);
  }
  if (opt->debug) {
    Log(pamh, LOG_DEBUG, AboutUser(*user) + stage + ": applied " + (*rule)->text);
  }
  return PAM_SUCCESS;
}

// Remembers in the handle that this module set PR_SET_KEEPCAPS in the application, so that
// pam_sm_close_session clears it again.
void RememberKeepCaps(pam_handle_t* pamh) {
  static const char kSet = 1;
  pam_set_data(pamh, kKeepCapsKey, const_cast<char*>(&kSet), nullptr);
}

}  // namespace

int SetCred(pam_handle_t* pamh, int flags, int argc, const char** argv) {
  constexpr int kCredFlags = static_cast<int>(PAM_ESTABLISH_CRED | PAM_REINITIALIZE_CRED);
  if (!(flags & kCredFlags)) return PAM_IGNORE;
  return WithUserRule(pamh, argc, argv, "setcred", [&](const Options& opt, const LoginRule& rule) {
    // pam_cap's defer: only arrange the later application (with keepcaps, also keep the
    // permitted set now); otherwise apply now, like pam_cap.
    const bool keepcaps = opt.keepcaps && KeepCapsAllowed(pamh, "setcred");
    Status st = opt.defer ? Defer(pamh, rule, keepcaps) : ApplyLoginRule(rule, keepcaps);
    if (st.ok() && keepcaps) RememberKeepCaps(pamh);
    return st;
  });
}

int OpenSession(pam_handle_t* pamh, int /*flags*/, int argc, const char** argv) {
  return WithUserRule(pamh, argc, argv, "session", [&](const Options& opt, const LoginRule& rule) {
    // SECURITY: apply now — the inheritable set and the bounding-set drops reach every
    // process the application starts, and survive its setuid() — and nothing more. Only with
    // `keepcaps` (for applications that call pam_end() in the child after setuid(): su,
    // runuser, login) also keep the permitted set across that setuid() and apply the rule
    // again at that pam_end(), which raises the ambient set and then narrows the process to
    // it (NarrowToGrant).
    Status st = ApplyLoginRule(rule, false);
    if (!st.ok() || !opt.keepcaps || !KeepCapsAllowed(pamh, "session")) return st;
    st = Defer(pamh, rule, true);
    if (st.ok()) RememberKeepCaps(pamh);
    return st;
  });
}

int CloseSession(pam_handle_t* pamh, int /*flags*/, int /*argc*/, const char** /*argv*/) {
  // The capabilities end with the session's processes; PR_SET_KEEPCAPS, if this module set
  // it in the application, is cleared: nothing needs it any more.
  const void* data = nullptr;
  if (pam_get_data(pamh, kKeepCapsKey, &data) == PAM_SUCCESS && data != nullptr) {
    const Status st = ClearKeepCaps();
    if (!st.ok()) {
      Log(pamh, LOG_ERR, st.message());
      return ToPamCode(st);
    }
  }
  return PAM_SUCCESS;
}

void LogBadAlloc(pam_handle_t* pamh) noexcept { pam_syslog(pamh, LOG_CRIT, "out of memory"); }

void LogException(pam_handle_t* pamh, const char* what) noexcept {
  try {
    Log(pamh, LOG_CRIT, std::string("internal error: ") + what);
  } catch (...) {  // no memory to escape it: not the text, then
    pam_syslog(pamh, LOG_CRIT, "internal error");
  }
}

}  // namespace capset::pam
