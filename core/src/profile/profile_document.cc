// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/profile_document.h"

#include "capset/ipc/json_text.h"
#include "capset/unit_syntax.h"

namespace capset {
namespace {

using nlohmann::json;

constexpr const char kNameChars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

Status Bad(const std::string& source, const std::string& key, const std::string& expected) {
  return Status(Code::kInvalidArgument,
                source + ": '" + key + "': expected " + expected + " (a document written by "
                "'capctl profile --json')");
}

Result<std::vector<std::string>> Strings(const json& obj, const char* key,
                                         const std::string& source) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end()) return out;
  if (!it->is_array()) return Bad(source, key, "a list of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return Bad(source, key, "a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<std::optional<std::string>> OptionalString(const json& obj, const char* key,
                                                  const std::string& source) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Bad(source, key, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Result<bool> Bool(const json& obj, const char* key, const std::string& source) {
  auto it = obj.find(key);
  if (it == obj.end()) return false;
  if (!it->is_boolean()) return Bad(source, key, "true or false");
  return it->get<bool>();
}

// A path written by SetPathJson: KEY_bytes (every byte) when it was not UTF-8, else KEY.
Result<std::string> PathValue(const json& obj, const std::string& key, const std::string& source) {
  if (auto bytes = obj.find(key + "_bytes"); bytes != obj.end()) {
    if (!bytes->is_array()) return Bad(source, key + "_bytes", "a list of bytes 0-255");
    std::string out;
    for (const json& b : *bytes) {
      if (!b.is_number_unsigned() || b.get<unsigned>() > 255) {
        return Bad(source, key + "_bytes", "a list of bytes 0-255");
      }
      out += static_cast<char>(b.get<unsigned>());
    }
    return out;
  }
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return Bad(source, key, "a path");
  return it->get<std::string>();
}

}  // namespace

void SetPolicyEntryJson(json& doc, const PolicyEntry& entry) {
  doc["version"] = kProfileDocumentVersion;
  SetPathJson(doc, "program", entry.program);
  doc["needed"] = CapNames(entry.needed);
  doc["raises_effective"] = entry.raises_effective;
  doc["verified"] = entry.verified;
  if (!entry.service) return;
  const ServicePolicyInput& s = *entry.service;
  json service = {{"unit", s.unit},
                  {"user", s.user ? json(*s.user) : json(nullptr)},
                  {"group", s.group ? json(*s.group) : json(nullptr)},
                  {"dynamic_user", s.dynamic_user},
                  {"template", s.template_name},
                  {"address_families", s.sandbox.address_families},
                  {"syscalls", s.sandbox.syscalls},
                  {"notes", s.sandbox.notes}};
  SetPathJson(service, "exec", s.exec);
  json paths = json::array();
  for (const std::string& p : s.sandbox.read_write_paths) {
    json one = json::object();
    SetPathJson(one, "path", p);
    paths.push_back(one);
  }
  service["read_write_paths"] = paths;
  doc["service"] = service;
}

Result<PolicyEntry> ReadProfileDocument(std::string_view text, const std::string& source) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status(Code::kInvalidArgument,
                  source + ": not a JSON object (expected a document written by 'capctl "
                           "profile --json')");
  }
  auto version = doc.find("version");
  if (version == doc.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kProfileDocumentVersion) {
    return Bad(source, "version", std::to_string(kProfileDocumentVersion));
  }
  PolicyEntry e;
  CAPSET_ASSIGN_OR_RETURN(e.program, PathValue(doc, "program", source));
  CAPSET_ASSIGN_OR_RETURN(std::vector<std::string> needed, Strings(doc, "needed", source));
  for (const std::string& name : needed) {
    Result<int> cap = CapFromName(name);
    if (!cap.ok()) return Bad(source, "needed", "capability names, not '" + name + "'");
    e.needed |= CapBit(*cap);
  }
  CAPSET_ASSIGN_OR_RETURN(e.raises_effective, Bool(doc, "raises_effective", source));
  CAPSET_ASSIGN_OR_RETURN(e.verified, Bool(doc, "verified", source));
  e.sources.push_back(source);
  auto service = doc.find("service");
  if (service == doc.end() || service->is_null()) {
    if (e.program.empty() || e.program[0] != '/') {
      return Bad(source, "program", "an absolute path");
    }
    return e;
  }
  if (!service->is_object()) return Bad(source, "service", "an object");
  ServicePolicyInput s;
  auto unit = service->find("unit");
  if (unit == service->end() || !unit->is_string()) return Bad(source, "service.unit", "a name");
  s.unit = unit->get<std::string>();
  if (std::optional<std::string> why = InvalidServiceName(s.unit)) {
    return Bad(source, "service.unit", "a service unit name (" + *why + ")");
  }
  CAPSET_ASSIGN_OR_RETURN(s.user, OptionalString(*service, "user", source));
  CAPSET_ASSIGN_OR_RETURN(s.group, OptionalString(*service, "group", source));
  CAPSET_ASSIGN_OR_RETURN(s.dynamic_user, Bool(*service, "dynamic_user", source));
  CAPSET_ASSIGN_OR_RETURN(std::optional<std::string> tmpl,
                          OptionalString(*service, "template", source));
  s.template_name = tmpl.value_or("");
  if (!s.template_name.empty() &&
      (s.template_name[0] == '.' ||
       s.template_name.find_first_not_of(kNameChars) != std::string::npos)) {
    return Bad(source, "service.template", "a template name");
  }
  for (const auto* id : {&s.user, &s.group}) {
    if (*id && InvalidUserGroupName(**id)) {
      return Bad(source, id == &s.user ? "service.user" : "service.group",
                 "a user or group name (" + *InvalidUserGroupName(**id) + ")");
    }
  }
  if (service->contains("exec")) {
    CAPSET_ASSIGN_OR_RETURN(s.exec, PathValue(*service, "exec", source));
  }
  CAPSET_ASSIGN_OR_RETURN(s.sandbox.address_families,
                          Strings(*service, "address_families", source));
  CAPSET_ASSIGN_OR_RETURN(s.sandbox.syscalls, Strings(*service, "syscalls", source));
  for (const std::string& f : s.sandbox.address_families) {
    if (f.rfind("AF_", 0) != 0 || f.find_first_not_of(kNameChars) != std::string::npos) {
      return Bad(source, "service.address_families", "names such as AF_INET");
    }
  }
  for (const std::string& c : s.sandbox.syscalls) {
    if (c.empty() || c.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") !=
                         std::string::npos) {
      return Bad(source, "service.syscalls", "system call names such as chroot");
    }
  }
  CAPSET_ASSIGN_OR_RETURN(s.sandbox.notes, Strings(*service, "notes", source));
  if (auto paths = service->find("read_write_paths"); paths != service->end()) {
    if (!paths->is_array()) return Bad(source, "service.read_write_paths", "a list");
    for (const json& p : *paths) {
      if (!p.is_object()) return Bad(source, "service.read_write_paths", "a list of {path}");
      CAPSET_ASSIGN_OR_RETURN(std::string path, PathValue(p, "path", source));
      s.sandbox.read_write_paths.push_back(path);
    }
  }
  e.service = std::move(s);
  return e;
}

}  // namespace capset
