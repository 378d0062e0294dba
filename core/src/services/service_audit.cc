// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/service_audit.h"

#include <sys/socket.h>

#include "capset/capability.h"
#include "capset/known_daemons.h"
#include "capset/policy_parser.h"
#include "capset/unit_files.h"
#include "capset/unit_gen.h"
#include "capset/yaml_quote.h"

namespace capset {
namespace {

bool SettingsRunAsRoot(const SecuritySettings& s) {
  if (s.user == "0" || s.user == "root") return true;
  return !s.dynamic_user && s.user.empty();
}

std::optional<ServiceSuggestion> FromKnowledgeBase(const ServiceFacts& facts) {
  const KnownDaemon* d = FindKnownDaemon(facts.name, facts.exec);
  if (!d) return std::nullopt;
  ServiceSuggestion s;
  s.source = "knowledge-base";
  s.reference = d->source;
  s.why = d->why;
  ServicePolicyInput in;
  in.unit = facts.name;
  if (d->user) in.user = d->user;
  in.keep_root = d->user == nullptr;
  in.no_new_privileges = !d->runs_setid_helpers;
  in.template_name = d->template_name;
  // exec: is for the file-capability lint only: left out where YAML could not hold it.
  if (!facts.exec.empty() && facts.exec[0] == '/' && YamlQuoted(facts.exec).ok()) {
    in.exec = facts.exec;
  }
  in.sandbox.read_write_paths = UnitWords(d->read_write_paths);
  const std::string settings = d->settings;
  for (size_t start = 0; start < settings.size();) {
    size_t end = settings.find(';', start);
    if (end == std::string::npos) end = settings.size();
    const std::string one = settings.substr(start, end - start);
    const size_t eq = one.find('=');
    if (eq != std::string::npos) in.extra_settings.emplace_back(one.substr(0, eq), one.substr(eq + 1));
    start = end + 1;
  }
  in.comments.push_back(std::string("From capset's knowledge base (") + d->package + "; " +
                        d->source + "): " + d->why + ".");
  s.entry.basis = "Not profiled on this host: check that the service still works with it.";
  s.entry.program = facts.exec;
  for (const std::string& c : UnitWords(d->caps)) {
    if (Result<int> cap = CapFromName(c); cap.ok()) s.entry.needed |= CapBit(*cap);
  }
  s.entry.service = std::move(in);
  return s;
}

// The exposure once capset's drop-in for `entry` is in place, and what LintService finds in
// the entry.
void Predict(const ServiceFacts& facts, const ServiceAuditContext& ctx, ServiceSuggestion& s) {
  Result<std::string> text = RenderPolicy({s.entry}, kAuditPolicyIntro);
  if (!text.ok() || text->empty()) return;
  const ParsedPolicy parsed = ParsePolicy(*text, "the suggested policy");
  if (parsed.policy.services.empty()) return;
  const ServicePolicy& svc = parsed.policy.services.front();
  std::optional<UnitTemplate> tmpl;
  if (!svc.template_name.empty() && ctx.load_template) {
    Result<UnitTemplate> t = ctx.load_template(svc.template_name);
    if (!t.ok()) {
      s.lint.push_back({Diagnostic::Severity::kError, svc.where, t.status().message()});
      return;
    }
    if (t->untrusted) {
      s.lint.push_back({Diagnostic::Severity::kWarning, svc.where,
                        "template " + t->name + " is refused by capset-generator: " +
                            *t->untrusted});
    }
    tmpl = std::move(*t);
  }
  const UnitTemplate* tp = tmpl ? &*tmpl : nullptr;
  LintOptions lint;
  lint.syscall_groups = ctx.groups;
  const std::vector<UnitAssignment>& own = facts.assignments;
  lint.unit_assignments = [&own](const std::string&) { return own; };
  for (Diagnostic& d : LintService(svc, tp, lint)) s.lint.push_back(std::move(d));
  if (facts.assignments.empty()) return;
  Result<std::string> drop_in = RenderDropIn(svc, tp);
  if (!drop_in.ok()) return;
  std::vector<UnitAssignment> after = facts.assignments;
  for (UnitAssignment& a : ParseUnitFile(*drop_in, facts.name + ".d/" + kDropInName)) {
    after.push_back(std::move(a));
  }
  SecuritySettings settings = SecuritySettingsOf(after, *ctx.groups);
  if (facts.live) AdjustAsLiveAnalysis(settings);
  s.exposure_after = AssessExposure(settings, *ctx.groups, ctx.exists).value;
}

bool IsLocalhost(const BusValue::Ip& ip) {
  if (ip.family == AF_INET && ip.address.size() == 4) return ip.address[0] == 127;
  if (ip.family == AF_INET6 && ip.address.size() == 16) {
    for (size_t i = 0; i < 15; ++i) {
      if (ip.address[i] != 0) return false;
    }
    return ip.address[15] == 1;
  }
  return false;
}

}  // namespace

ServiceFinding AuditService(ServiceFacts facts, const ServiceAuditContext& ctx) {
  static const SyscallGroups kNoGroups;
  const SyscallGroups& groups = ctx.groups ? *ctx.groups : kNoGroups;
  ServiceAuditContext c = ctx;
  c.groups = &groups;
  ServiceFinding f;
  f.exposure = AssessExposure(facts.settings, groups, c.exists);
  if (!facts.processes.empty()) {
    for (const ServiceProcess& p : facts.processes) {
      f.runs_as_root = f.runs_as_root || p.euid == 0 || p.uid == 0;
      f.held |= p.permitted;
    }
  } else {
    f.runs_as_root = SettingsRunAsRoot(facts.settings);
  }
  if (ctx.policy) {
    for (const ServicePolicy& s : ctx.policy->services) {
      if (s.name == facts.name) f.policy_where = s.where.ToString();
    }
  }
  std::optional<ServiceSuggestion> suggestion;
  if (ctx.stored_profile) {
    if (auto kept = ctx.stored_profile(facts.name)) {
      suggestion.emplace();
      suggestion->source = "profile";
      suggestion->reference = kept->second;
      suggestion->entry = std::move(kept->first);
      suggestion->why = "what it used while it was profiled";
    }
  }
  if (!suggestion && f.runs_as_root) suggestion = FromKnowledgeBase(facts);
  if (suggestion) {
    Predict(facts, c, *suggestion);
    f.suggestion = std::move(suggestion);
  } else if (f.runs_as_root) {
    f.notes.push_back("capset knows nothing about it: profile it with 'capctl profile --unit " +
                      facts.name + " --user USER' while it works, then audit again");
  }
  f.facts = std::move(facts);
  return f;
}

SecuritySettings SecuritySettingsFromBus(const BusProperties& unit, const BusProperties& service) {
  SecuritySettings s;
  auto flag = [&](const char* key, bool& field) {
    if (auto it = service.find(key); it != service.end() && it->second.signature == "b") {
      field = it->second.flag;
    }
  };
  auto text = [&](const char* key, std::string& field) {
    if (auto it = service.find(key); it != service.end() && it->second.signature == "s") {
      field = it->second.text;
    }
  };
  auto number = [&](const char* key, uint64_t& field) {
    if (auto it = service.find(key); it != service.end()) field = it->second.number;
  };
  if (auto it = unit.find("DefaultDependencies"); it != unit.end()) {
    s.default_dependencies = it->second.flag;
  }
  number("AmbientCapabilities", s.ambient);
  number("CapabilityBoundingSet", s.bounding);
  flag("Delegate", s.delegate);
  if (auto it = service.find("DeviceAllow"); it != service.end()) {
    s.device_allow = !it->second.strings.empty();
  }
  text("DevicePolicy", s.device_policy);
  flag("DynamicUser", s.dynamic_user);
  bool deny4 = false, deny6 = false;
  if (auto it = service.find("IPAddressDeny"); it != service.end()) {
    for (const BusValue::Ip& ip : it->second.ips) {
      if (ip.prefix != 0) continue;
      if (ip.family == AF_INET && ip.address.size() == 4) deny4 = true;
      if (ip.family == AF_INET6 && ip.address.size() == 16) deny6 = true;
    }
  }
  s.ip_deny_all = deny4 && deny6;
  if (auto it = service.find("IPAddressAllow"); it != service.end()) {
    for (const BusValue::Ip& ip : it->second.ips) {
      // systemd-analyze counts only a /8 (IPv4) or /128 (IPv6) as possibly localhost.
      const bool host_sized = (ip.family == AF_INET && ip.address.size() == 4 && ip.prefix == 8) ||
                              (ip.family == AF_INET6 && ip.address.size() == 16 &&
                               ip.prefix == 128);
      (host_sized && IsLocalhost(ip) ? s.ip_allow_localhost : s.ip_allow_other) = true;
    }
  }
  for (const char* key : {"IPIngressFilterPath", "IPEgressFilterPath"}) {
    if (auto it = service.find(key); it != service.end() && !it->second.strings.empty()) {
      s.ip_custom_filters = true;
    }
  }
  text("KeyringMode", s.keyring_mode);
  text("ProtectProc", s.protect_proc);
  text("ProcSubset", s.proc_subset);
  flag("LockPersonality", s.lock_personality);
  flag("MemoryDenyWriteExecute", s.memory_deny_write_execute);
  flag("NoNewPrivileges", s.no_new_privileges);
  text("NotifyAccess", s.notify_access);
  flag("PrivateDevices", s.private_devices);
  flag("PrivateMounts", s.private_mounts);
  flag("PrivateNetwork", s.private_network);
  flag("PrivateTmp", s.private_tmp);
  flag("PrivateUsers", s.private_users);
  flag("ProtectControlGroups", s.protect_control_groups);
  text("ProtectHome", s.protect_home);
  flag("ProtectHostname", s.protect_hostname);
  flag("ProtectKernelModules", s.protect_kernel_modules);
  flag("ProtectKernelTunables", s.protect_kernel_tunables);
  flag("ProtectKernelLogs", s.protect_kernel_logs);
  flag("ProtectClock", s.protect_clock);
  text("ProtectSystem", s.protect_system);
  flag("RemoveIPC", s.remove_ipc);
  if (auto it = service.find("RestrictAddressFamilies");
      it != service.end() && it->second.signature == "(bas)") {
    const bool al = it->second.flag;
    s.restrict_inet = s.restrict_unix = s.restrict_netlink = s.restrict_packet =
        s.restrict_other = al;
    for (const std::string& f : it->second.strings) {
      if (f == "AF_INET" || f == "AF_INET6") s.restrict_inet = !al;
      else if (f == "AF_UNIX") s.restrict_unix = !al;
      else if (f == "AF_NETLINK") s.restrict_netlink = !al;
      else if (f == "AF_PACKET") s.restrict_packet = !al;
      else s.restrict_other = !al;
    }
  }
  number("RestrictNamespaces", s.namespaces_allowed);
  flag("RestrictRealtime", s.restrict_realtime);
  flag("RestrictSUIDSGID", s.restrict_suid_sgid);
  text("RootDirectory", s.root_directory);
  text("RootImage", s.root_image);
  if (auto it = service.find("SupplementaryGroups"); it != service.end()) {
    s.supplementary_groups = !it->second.strings.empty();
  }
  if (auto it = service.find("SystemCallArchitectures"); it != service.end()) {
    s.syscall_archs.insert(it->second.strings.begin(), it->second.strings.end());
  }
  if (auto it = service.find("SystemCallFilter");
      it != service.end() && it->second.signature == "(bas)") {
    s.syscall_allow_list = it->second.flag;
    s.syscall_filter.insert(it->second.strings.begin(), it->second.strings.end());
  }
  uint64_t umask = s.umask;
  number("UMask", umask);
  s.umask = static_cast<unsigned>(umask);
  text("User", s.user);
  AdjustAsLiveAnalysis(s);
  return s;
}

Result<std::string> SuggestedServicesPolicy(const std::vector<ServiceFinding>& findings) {
  std::vector<PolicyEntry> entries;
  for (const ServiceFinding& f : findings) {
    if (f.suggestion) entries.push_back(f.suggestion->entry);
  }
  if (entries.empty()) return std::string();
  return RenderPolicy(entries, kAuditPolicyIntro);
}

}  // namespace capset
