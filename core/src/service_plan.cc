// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/service_plan.h"

#include <algorithm>
#include <map>
#include <memory>

namespace capset {

bool PlannedService::ok() const {
  return std::none_of(findings.begin(), findings.end(), [](const Diagnostic& d) {
    return d.severity == Diagnostic::Severity::kError;
  });
}

std::vector<PlannedService> PlanServices(const Policy& policy,
                                         const std::vector<std::string>& template_dirs,
                                         const LintOptions& options,
                                         const std::vector<std::string>& only,
                                         TrustMode template_trust) {
  std::map<std::string, std::pair<std::shared_ptr<const UnitTemplate>, Status>> cache;
  std::vector<PlannedService> out;
  for (const auto& s : policy.services) {
    if (!only.empty() && std::find(only.begin(), only.end(), s.name) == only.end()) continue;
    PlannedService p;
    p.service = &s;
    if (!s.template_name.empty()) {
      auto it = cache.find(s.template_name);
      if (it == cache.end()) {
        Result<UnitTemplate> t = LoadUnitTemplate(s.template_name, template_dirs, template_trust);
        auto entry = t.ok() ? std::make_pair(std::make_shared<const UnitTemplate>(*std::move(t)),
                                             Status::Ok())
                            : std::make_pair(std::shared_ptr<const UnitTemplate>(), t.status());
        it = cache.emplace(s.template_name, std::move(entry)).first;
      }
      if (it->second.first) {
        p.tmpl = it->second.first;
      } else {
        auto where = s.key_where.find("template");
        p.findings.push_back({Diagnostic::Severity::kError,
                              where != s.key_where.end() ? where->second : s.where,
                              s.name + ": " + it->second.second.message()});
      }
    }
    if (p.findings.empty()) p.findings = LintService(s, p.tmpl.get(), options);
    if (p.tmpl && p.tmpl->untrusted) {
      auto where = s.key_where.find("template");
      p.findings.push_back({Diagnostic::Severity::kWarning,
                            where != s.key_where.end() ? where->second : s.where,
                            s.name + ": template '" + p.tmpl->path + "': " + *p.tmpl->untrusted +
                                "; the generator and capctl unit generate --output refuse it"});
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::function<std::optional<FileCaps>(const std::string&)> PolicyFileCaps(const Policy& policy) {
  auto by_path = std::make_shared<std::map<std::string, FileCaps>>();
  for (const auto& f : policy.files) (*by_path)[f.path] = f.caps;
  return [by_path](const std::string& path) -> std::optional<FileCaps> {
    auto it = by_path->find(path);
    if (it == by_path->end()) return std::nullopt;
    return it->second;
  };
}

std::vector<PlannedService> PlanGeneratorServices(const Policy& policy, const std::string& root,
                                                  const std::vector<std::string>& only) {
  LintOptions lint;
  lint.file_caps = PolicyFileCaps(policy);  // the policy only: no I/O beyond it at boot
  return PlanServices(policy, TemplateDirectories(root), lint, only);
}

}  // namespace capset
