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
                                         const std::vector<std::string>& only) {
  std::map<std::string, Result<UnitTemplate>> cache;
  std::vector<PlannedService> out;
  for (const auto& s : policy.services) {
    if (!only.empty() && std::find(only.begin(), only.end(), s.name) == only.end()) continue;
    PlannedService p;
    p.service = &s;
    if (!s.template_name.empty()) {
      auto it = cache.find(s.template_name);
      if (it == cache.end()) {
        it = cache.emplace(s.template_name, LoadUnitTemplate(s.template_name, template_dirs)).first;
      }
      if (it->second.ok()) {
        p.tmpl = *it->second;
      } else {
        auto where = s.key_where.find("template");
        p.findings.push_back({Diagnostic::Severity::kError,
                              where != s.key_where.end() ? where->second : s.where,
                              s.name + ": " + it->second.status().message()});
      }
    }
    if (p.findings.empty()) p.findings = LintService(s, p.tmpl ? &*p.tmpl : nullptr, options);
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

}  // namespace capset
