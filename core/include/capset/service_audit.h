// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — capctl audit --services: for each service, whether it runs as root, what its
// processes hold against its bounding set, what it listens on, whether capset's policy covers
// it, its exposure (as systemd-analyze security computes it), and a suggestion: a services:
// policy entry that takes its root away (or, for a daemon that must stay root, shrinks its
// bounding set), from a kept profile (capctl profile --unit) or else from the knowledge base
// (known_daemons.h), with the exposure predicted once capset's drop-in is in place and the
// traps LintService finds in it.
// Pure logic over gathered facts (ServiceFacts): unit-tested without systemd.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "capset/policy.h"
#include "capset/profile_command.h"
#include "capset/service_exposure.h"
#include "capset/service_processes.h"
#include "capset/systemd_manager.h"
#include "capset/unit_template.h"

namespace capset {

/// What was gathered about one service.
struct ServiceFacts {
  std::string name;          ///< "ssh.service"
  std::string fragment;      ///< its unit file
  std::string active_state;  ///< "active", ...; "" offline
  std::string exec;          ///< the first ExecStart= program
  bool live = false;         ///< read from the running manager (else from unit files)
  SecuritySettings settings;  ///< what its exposure is computed from
  /// Its unit files' assignments (fragment and drop-ins), for the prediction and the lint;
  /// empty when they could not be read.
  std::vector<UnitAssignment> assignments;
  std::vector<ServiceProcess> processes;  ///< live only
};

struct ServiceSuggestion {
  std::string source;     ///< "profile" or "knowledge-base"
  std::string reference;  ///< the profile's path, or the knowledge base's source
  PolicyEntry entry;
  std::string why;                        ///< what it needs them for
  std::optional<unsigned> exposure_after;  ///< with capset's drop-in added
  std::vector<Diagnostic> lint;            ///< LintService on the entry
};

struct ServiceFinding {
  ServiceFacts facts;
  bool runs_as_root = false;
  uint64_t held = 0;  ///< the union of its processes' permitted sets
  Exposure exposure;
  std::string policy_where;  ///< where capset's policy has an entry for it ("" none)
  std::optional<ServiceSuggestion> suggestion;
  std::vector<std::string> notes;  ///< why there is no suggestion, what could not be read
};

struct ServiceAuditContext {
  const Policy* policy = nullptr;
  const SyscallGroups* groups = nullptr;
  SyscallExists exists;
  /// A kept profile of `unit` (capctl profile --unit) and where it is, or nullopt.
  std::function<std::optional<std::pair<PolicyEntry, std::string>>(const std::string& unit)>
      stored_profile;
  std::function<Result<UnitTemplate>(const std::string& name)> load_template;
};

ServiceFinding AuditService(ServiceFacts facts, const ServiceAuditContext& context);

/// The settings systemd-analyze security reads from a unit's bus properties (the Unit and
/// Service interfaces); AdjustAsLiveAnalysis is applied.
SecuritySettings SecuritySettingsFromBus(const BusProperties& unit, const BusProperties& service);

/// A policy document (capset.policy(5)) with every finding's suggested entry; "" if none.
Result<std::string> SuggestedServicesPolicy(const std::vector<ServiceFinding>& findings);

}  // namespace capset
