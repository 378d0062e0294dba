// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl login USER — what pam_capset.so would grant USER at login, and which line decided
// it. Changes nothing.
#include <getopt.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "capset/ipc/json_text.h"
#include "capset/login_sources.h"
#include "capset/printable.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

constexpr const char kLoginUsage[] =
    "Usage: capctl login [--config FILE] [--no-policy] [--root DIR] [--json] USER\n"
    "\n"
    "Explain, without changing anything, what pam_capset.so would grant USER at login:\n"
    "the deciding rule (file:line, or the policy entry), and the resulting inheritable,\n"
    "ambient and bounding-set changes.\n"
    "\n"
    "  --config FILE  pam_cap's capability.conf (default /etc/security/capability.conf)\n"
    "  --no-policy    ignore the YAML policy's users: sections\n"
    "  --root DIR     read the policy of the system image at DIR (default /)\n"
    "  --json         machine-readable output\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 a rule matches; 3 no rule matches (nothing is changed at login);\n"
    "1 a rule file has errors (pam_capset grants nothing); 2 usage error.\n";

enum { kConfig = 256, kNoPolicy, kRoot, kJson };

}  // namespace

const option kLoginOptions[] = {{"config", required_argument, nullptr, kConfig},
                                {"no-policy", no_argument, nullptr, kNoPolicy},
                                {"root", required_argument, nullptr, kRoot},
                                {"json", no_argument, nullptr, kJson},
                                {"help", no_argument, nullptr, 'h'},
                                {nullptr, 0, nullptr, 0}};

int RunLogin(int argc, char** argv) {
  LoginSources sources;
  bool json = false;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "h", kLoginOptions, nullptr)) != -1;) {
    switch (c) {
      case kConfig:
        sources.capability_conf = optarg;
        break;
      case kNoPolicy:
        sources.read_policy = false;
        break;
      case kRoot:
        sources.root = optarg;
        break;
      case kJson:
        json = true;
        break;
      case 'h':
        std::fputs(kLoginUsage, stdout);
        return kExitOk;
      default:
        std::fputs(kLoginUsage, stderr);
        return kExitUsage;
    }
  }
  if (optind + 1 != argc) {
    PrintError("login: expected exactly one USER (try 'capctl login --help')");
    return kExitUsage;
  }
  const std::string user = argv[optind];
  if (!RootExists(sources.root)) return kExitUsage;
  const LoginRules rules = LoadLoginRules(sources);
  Result<LoginIdentity> who = LookupIdentity(RealSys(), user);

  nlohmann::json doc = {{"user", user}, {"diagnostics", DiagnosticsJson(rules.diagnostics)}};
  int rc = kExitOk;
  std::string text;
  // The lines below name the user from argv and the rule's file: escaped, so that neither
  // forges or hides a line (the JSON document carries them as they are).
  const std::string shown = Printable(user);
  if (!rules.ok()) {
    rc = kExitFailure;
    text = shown + ": pam_capset grants nothing to anyone while the rules have errors (above)";
    doc["outcome"] = "error";
  } else if (!who.ok()) {
    rc = kExitFailure;
    text = shown + ": " + ControlsEscaped(who.status().message()) +
           "; pam_capset would fail for this user";
    doc["outcome"] = "unknown-user";
  } else {
    const LoginDecision d = DecideLogin(rules, *who);
    doc["groups"] = who->groups;
    if (!d.matched) {
      rc = kExitNoRule;
      text = shown + ": no rule matches; pam_capset leaves the capabilities unchanged";
      doc["outcome"] = "no-rule";
    } else {
      const LoginRule& r = *d.rule;
      doc["outcome"] = "match";
      doc["rule"] = {{"file", r.where.file},
                     {"line", r.where.line},
                     {"text", r.text},
                     {"matched", d.matched_id}};
      text = shown + ": " + ControlsEscaped(r.where.ToString()) + " matches as '" +
             Printable(d.matched_id) + "': " + ControlsEscaped(r.text) + "\n";
      if (r.kind == LoginRule::Kind::kAll) {
        text += "  all: the capabilities are left as they are";
        doc["effect"] = "unchanged";
      } else if (r.kind == LoginRule::Kind::kNone) {
        text += "  none: inheritable and ambient sets are cleared";
        doc["effect"] = "clear";
      } else {
        auto names = [](CapMask m) { return m ? CapNameList(m) : std::string("(none)"); };
        text += "  inheritable: " + names(r.iab.inheritable) +
                "\n  ambient: " + names(r.iab.ambient) +
                "\n  dropped from the bounding set: " + names(r.iab.bounding_drop);
        doc["effect"] = "set";
        doc["inheritable"] = CapNames(r.iab.inheritable);
        doc["ambient"] = CapNames(r.iab.ambient);
        doc["bounding_drop"] = CapNames(r.iab.bounding_drop);
      }
    }
  }
  if (json) {
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    PrintDiagnostics(rules.diagnostics);
    std::printf("%s\n", text.c_str());
  }
  return rc;
}

}  // namespace capset::capctl
