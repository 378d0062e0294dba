// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl audit --services — every service on a host (or below --root): whether it runs as
// root, what it holds and listens on, its exposure as systemd-analyze security computes it,
// and the policy entry that takes its root away (service_audit.h).
#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "capset/capability.h"
#include "capset/ipc/json_text.h"
#include "capset/policy_loader.h"
#include "capset/profile.h"
#include "capset/profile_document.h"
#include "capset/service_audit.h"
#include "capset/service_processes.h"
#include "capset/systemd_manager.h"
#include "capset/trusted_file.h"
#include "capset/unit_files.h"
#include "capset/unit_template.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

constexpr const char kUnitIface[] = "org.freedesktop.systemd1.Unit";
constexpr const char kServiceIface[] = "org.freedesktop.systemd1.Service";

// ExecStart='s program: its first word, without systemd's prefixes (-, @, :, +, !).
std::string ProgramOf(const std::vector<UnitAssignment>& assignments) {
  std::string program;
  for (const UnitAssignment& a : assignments) {
    if (a.section != "Service" || a.key != "ExecStart") continue;
    if (a.value.empty()) {
      program.clear();
      continue;
    }
    if (!program.empty()) continue;  // the first ExecStart= is the main program
    std::vector<std::string> words = UnitWords(a.value);
    if (words.empty()) continue;
    std::string w = words[0];
    while (!w.empty() && std::string("-@:+!").find(w[0]) != std::string::npos) w.erase(0, 1);
    program = w;
  }
  return program;
}

std::string TypeOf(const std::vector<UnitAssignment>& assignments) {
  std::string type;
  for (const UnitAssignment& a : assignments) {
    if (a.section == "Service" && a.key == "Type") type = a.value;
  }
  return type;
}

nlohmann::json CapsJson(uint64_t mask) {
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& n : CapNames(mask & KernelCapMask())) out.push_back(n);
  return out;
}

// "all", or the capabilities' names.
std::string CapsText(uint64_t mask) {
  mask &= KernelCapMask();
  if (mask == KernelCapMask()) return "all";
  if (mask == 0) return "none";
  return CapNameList(mask);
}

std::string Listens(const ServiceFinding& f) {
  std::string out;
  for (const ServiceProcess& p : f.facts.processes) {
    for (const ListeningSocket& s : p.listening) {
      const std::string one = s.protocol + " " +
                              (s.address.find(':') != std::string::npos ? "[" + s.address + "]"
                                                                        : s.address) +
                              ":" + std::to_string(s.port);
      if (out.find(one) == std::string::npos) out += (out.empty() ? "" : ", ") + one;
    }
  }
  return out;
}

std::string ExposureWords(unsigned v) { return ExposureText(v) + " " + ExposureLevel(v); }

std::optional<std::pair<PolicyEntry, std::string>> StoredProfile(const std::string& root,
                                                                 const std::string& unit) {
  const std::string path = RootedPath(root, CAPSET_STATE_DIR "/profiles/" + unit + ".json");
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;  // none kept
  // A kept profile becomes a suggested policy: read by the trust rule, as policies are.
  TrustedReadOptions options;
  options.max_bytes = 1 << 20;
  Result<TrustedText> text = ReadTrustedFile(RealSys(), path, options);
  if (!text.ok()) {
    if (text.status().code() != Code::kNotFound) {
      PrintWarning(Printable(text.status().message()) + ", ignoring.");
    }
    return std::nullopt;
  }
  Result<PolicyEntry> entry = ReadProfileDocument(text->text, path);
  if (!entry.ok() || !entry->service) {
    PrintWarning(Printable(entry.ok() ? path + " is no profile of a service"
                                      : entry.status().message()) +
                 ", ignoring.");
    return std::nullopt;
  }
  if (entry->service->unit != unit) {
    PrintWarning(Printable(path + " is the profile of " + entry->service->unit + ", not of " +
                           unit) +
                 ", ignoring.");
    return std::nullopt;
  }
  return std::make_pair(std::move(*entry), path);
}

nlohmann::json FindingJson(const ServiceFinding& f) {
  const ServiceFacts& x = f.facts;
  nlohmann::json processes = nlohmann::json::array();
  nlohmann::json listening = nlohmann::json::array();
  for (const ServiceProcess& p : x.processes) {
    processes.push_back({{"pid", p.pid},
                         {"comm", p.comm},
                         {"uid", p.uid},
                         {"euid", p.euid},
                         {"gid", p.gid},
                         {"effective", CapsJson(p.effective)},
                         {"permitted", CapsJson(p.permitted)},
                         {"inheritable", CapsJson(p.inheritable)},
                         {"bounding", CapsJson(p.bounding)},
                         {"ambient", CapsJson(p.ambient)}});
    for (const ListeningSocket& s : p.listening) {
      listening.push_back(
          {{"protocol", s.protocol}, {"address", s.address}, {"port", s.port}, {"pid", p.pid}});
    }
  }
  nlohmann::json checks = nlohmann::json::array();
  for (const ExposureCheck& c : f.exposure.checks) {
    checks.push_back({{"name", c.id},
                      {"json_field", c.json_field},
                      {"weight", c.weight},
                      {"range", c.range},
                      {"badness", c.applicable ? nlohmann::json(c.badness) : nlohmann::json()},
                      {"description", c.description.empty() ? nlohmann::json()
                                                            : nlohmann::json(c.description)}});
  }
  nlohmann::json j = {
      {"unit", x.name},
      {"fragment", x.fragment},
      {"mode", x.live ? "live" : "offline"},
      {"active_state", x.active_state},
      {"exec", x.exec},
      {"user", x.settings.user},
      {"dynamic_user", x.settings.dynamic_user},
      {"runs_as_root", f.runs_as_root},
      {"bounding", CapsJson(x.settings.bounding)},
      {"ambient", CapsJson(x.settings.ambient)},
      {"no_new_privileges", x.settings.no_new_privileges},
      {"held", CapsJson(f.held)},
      {"processes", processes},
      {"listening", listening},
      {"exposure", f.exposure.value / 10.0},
      {"exposure_level", ExposureLevel(f.exposure.value)},
      {"checks", checks},
      {"policy", f.policy_where.empty() ? nlohmann::json() : nlohmann::json(f.policy_where)},
      {"notes", f.notes}};
  if (f.suggestion) {
    const ServiceSuggestion& s = *f.suggestion;
    const ServicePolicyInput& in = *s.entry.service;
    nlohmann::json lint = nlohmann::json::array();
    for (const Diagnostic& d : s.lint) {
      lint.push_back({{"severity", d.severity == Diagnostic::Severity::kError ? "error" : "warning"},
                      {"message", d.message}});
    }
    j["suggestion"] = {
        {"source", s.source},
        {"reference", s.reference},
        {"why", s.why},
        {"user", in.keep_root ? "root" : in.user.value_or(in.dynamic_user ? "" : "root")},
        {"dynamic_user", in.dynamic_user},
        {"keeps_root", in.keep_root || (!in.user && !in.dynamic_user)},
        {"capabilities", CapsJson(s.entry.needed)},
        {"template", in.template_name},
        {"exposure_after",
         s.exposure_after ? nlohmann::json(*s.exposure_after / 10.0) : nlohmann::json()},
        {"lint", lint}};
  } else {
    j["suggestion"] = nullptr;
  }
  return j;
}

void PrintFinding(const ServiceFinding& f) {
  const ServiceFacts& x = f.facts;
  std::string user = x.settings.dynamic_user ? "(dynamic)" : x.settings.user.empty() ? "root"
                                                                                     : x.settings.user;
  std::printf("%s: %s%s, User=%s\n", Printable(x.name).c_str(),
              f.runs_as_root ? "runs as root" : "runs as a user",
              x.live ? (x.active_state.empty() ? "" : " (" + x.active_state + ")").c_str() : "",
              Printable(user).c_str());
  std::printf("  bounding set: %s; ambient: %s%s\n", CapsText(x.settings.bounding).c_str(),
              CapsText(x.settings.ambient).c_str(),
              x.settings.no_new_privileges ? "; NoNewPrivileges=yes" : "");
  if (x.live && !x.processes.empty()) {
    uint64_t running = 0;  // the bounding sets it runs with (a container's may be narrower)
    for (const ServiceProcess& p : x.processes) running |= p.bounding;
    std::printf("  holds: %s (%zu process%s)\n",
                f.held == running && f.held ? "every capability of its bounding set"
                                            : CapsText(f.held).c_str(),
                x.processes.size(), x.processes.size() == 1 ? "" : "es");
  }
  const std::string listens = Listens(f);
  if (!listens.empty()) std::printf("  listens: %s\n", listens.c_str());
  std::printf("  exposure: %s\n", ExposureWords(f.exposure.value).c_str());
  if (!f.policy_where.empty()) {
    std::printf("  policy: %s\n", Printable(f.policy_where).c_str());
  }
  if (f.suggestion) {
    const ServiceSuggestion& s = *f.suggestion;
    const ServicePolicyInput& in = *s.entry.service;
    std::string who = in.keep_root ? "stays root"
                      : in.user    ? "User=" + Printable(*in.user)
                                   : in.dynamic_user ? "DynamicUser=yes"
                                                     : "root (profile it with --user)";
    std::printf("  suggestion (%s: %s): %s, capabilities %s, template %s\n", s.source.c_str(),
                Printable(s.reference).c_str(), who.c_str(), CapsText(s.entry.needed).c_str(),
                in.template_name.empty() ? "none" : in.template_name.c_str());
    if (s.exposure_after) {
      std::printf("  exposure after: %s (from %s)\n", ExposureWords(*s.exposure_after).c_str(),
                  ExposureText(f.exposure.value).c_str());
    }
    for (const Diagnostic& d : s.lint) {
      std::printf("  lint: %s\n", Printable(d.message).c_str());
    }
  }
  for (const std::string& n : f.notes) std::printf("  note: %s\n", Printable(n).c_str());
}

}  // namespace

int RunServiceAudit(const ServiceAuditOptions& opt) {
  std::vector<std::string> errors;
  const SyscallGroups groups = SystemdSyscallGroups();
  if (groups.empty()) {
    errors.push_back("systemd-analyze syscall-filter did not run: the SystemCallFilter= checks "
                     "cannot be assessed");
  }
  SafeOpenOptions read_only;
  read_only.trust = TrustMode::kIgnore;  // unit files grant nothing: read, not trusted
  Result<SafeDir> root = OpenRoot(RealSys(), opt.root, read_only);
  if (!root.ok()) {
    PrintError(root.status().message());
    return kExitFailure;
  }
  std::unique_ptr<SystemdManager> manager;
  std::vector<ServiceProcess> processes;
  if (!opt.offline) {
    Result<std::unique_ptr<SystemdManager>> m = SystemdManager::Connect();
    if (!m.ok()) {
      PrintError(m.status().message() + "; to read the unit files instead, use --root /");
      return kExitFailure;
    }
    manager = std::move(*m);
    Result<std::vector<ServiceProcess>> all = ReadProcesses();
    if (!all.ok()) {
      errors.push_back(all.status().message());
    } else {
      processes = std::move(*all);
    }
  }

  std::vector<std::string> units = opt.units;
  const bool listed = units.empty();
  if (listed && manager) {
    Result<std::vector<ListedUnit>> l = manager->ListServices();
    if (!l.ok()) {
      PrintError(l.status().message());
      return kExitFailure;
    }
    for (const ListedUnit& u : *l) {
      if (u.load_state == "loaded" && (u.active_state == "active" ||
                                       u.active_state == "activating" ||
                                       u.active_state == "reloading")) {
        units.push_back(u.name);
      }
    }
  } else if (listed) {
    units = ListServiceUnits(RealSys(), *root);
  }

  const LoadedPolicy loaded = LoadPolicyTree(opt.root);
  ServiceAuditContext ctx;
  ctx.policy = &loaded.policy;
  ctx.groups = &groups;
  ctx.exists = [](const std::string& name) { return SyscallKnown(name); };
  ctx.stored_profile = [&](const std::string& unit) { return StoredProfile(opt.root, unit); };
  std::vector<std::string> template_dirs = TemplateDirectories(opt.root);
  if (!opt.templates.empty()) template_dirs.insert(template_dirs.begin(), opt.templates);
  // Read only to predict and lint: a template someone else could change is still read (and
  // said, in the suggestion's lint), as capctl unit lint reads it; the generator refuses it.
  ctx.load_template = [&](const std::string& name) {
    return LoadUnitTemplate(name, template_dirs, TrustMode::kReport);
  };

  std::vector<ServiceFinding> findings;
  std::set<std::string> seen;  // a unit named twice, or by an alias, is audited once
  for (const std::string& name : units) {
    if (!seen.insert(name).second) continue;
    ServiceFacts facts;
    facts.name = name;
    Result<UnitFiles> files = LoadUnitFiles(RealSys(), *root, name);
    if (manager) {
      Result<BusProperties> unit = manager->Properties(name, kUnitIface);
      Result<BusProperties> service =
          unit.ok() ? manager->Properties(name, kServiceIface) : unit.status();
      if (!service.ok()) {
        errors.push_back(service.status().message());
        continue;
      }
      auto text = [&](const char* key) {
        auto it = unit->find(key);
        return it != unit->end() ? it->second.text : std::string();
      };
      if (text("LoadState") != "loaded") {
        errors.push_back("unit " + name + " is " + text("LoadState") + ", cannot audit it");
        continue;
      }
      facts.name = text("Id").empty() ? name : text("Id");
      facts.fragment = text("FragmentPath");
      facts.active_state = text("ActiveState");
      facts.live = true;
      facts.settings = SecuritySettingsFromBus(*unit, *service);
      auto cg = service->find("ControlGroup");
      if (cg != service->end()) facts.processes = ProcessesIn(processes, cg->second.text);
      if (files.ok()) {
        facts.assignments = files->assignments;
        facts.exec = ProgramOf(files->assignments);
      }
    } else {
      if (!files.ok()) {
        errors.push_back(files.status().message());
        continue;
      }
      if (files->masked) {
        if (!listed) errors.push_back("unit " + name + " is masked, cannot audit it");
        continue;
      }
      if (listed && TypeOf(files->assignments) == "oneshot") continue;
      facts.name = files->id;
      facts.fragment = files->fragment;
      facts.assignments = files->assignments;
      facts.exec = ProgramOf(files->assignments);
      facts.settings = SecuritySettingsOf(files->assignments, groups);
    }
    if (facts.name != name && !seen.insert(facts.name).second) continue;
    findings.push_back(AuditService(std::move(facts), ctx));
  }

  if (!opt.policy_out.empty()) {
    Result<std::string> text = SuggestedServicesPolicy(findings);
    if (!text.ok()) {
      PrintError(text.status().message());
      return kExitFailure;
    }
    if (text->empty()) {
      // Nothing to suggest: an existing file (a policy someone installed) is left alone.
      PrintNote("no service to suggest an entry for; " +
                (opt.policy_out == "-" ? std::string("nothing written")
                                       : "'" + Printable(opt.policy_out) + "' left as it was"));
    } else if (opt.policy_out == "-") {
      std::fputs(text->c_str(), stdout);
      std::fflush(stdout);
    } else if (Status st = WriteOutputFile(opt.policy_out, *text); !st.ok()) {
      PrintError(st.message());
      return kExitFailure;
    }
  }
  bool above = false;
  for (const ServiceFinding& f : findings) {
    above = above || (opt.fail_above >= 0 && f.exposure.value > static_cast<unsigned>(opt.fail_above));
  }
  if (opt.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const ServiceFinding& f : findings) all.push_back(FindingJson(f));
    const nlohmann::json doc = {{"services", all},
                                {"errors", errors},
                                {"diagnostics", DiagnosticsJson(loaded.diagnostics)}};
    if (opt.policy_out != "-") std::printf("%s\n", DumpJson(doc).c_str());
  } else if (opt.policy_out != "-") {
    PrintDiagnostics(loaded.diagnostics);
    for (const ServiceFinding& f : findings) PrintFinding(f);
    std::fflush(stdout);
    size_t root_count = 0, suggested = 0;
    for (const ServiceFinding& f : findings) {
      root_count += f.runs_as_root;
      suggested += f.suggestion.has_value();
    }
    std::fprintf(stderr, "%zu service(s), %zu running as root, %zu with a suggestion%s\n",
                 findings.size(), root_count, suggested,
                 suggested && opt.policy_out.empty()
                     ? " (capctl audit --services --policy-out FILE writes them)"
                     : "");
  }
  for (const std::string& e : errors) PrintError(Printable(e));
  if (above) return kExitAbove;
  return errors.empty() && loaded.ok() ? kExitOk : kExitFailure;
}

}  // namespace capset::capctl
