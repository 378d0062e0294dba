// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl unit verify — whether the drop-ins systemd reads are what the policy renders: for
// each service, DIR/NAME.service.d/50-capset.conf (DIR: the generator's output, ROOT/run/
// systemd/generator) against what capset-generator would write now. A hand edit, a drop-in
// missing because systemd was not reloaded since the policy changed, and (without SERVICE
// arguments) a stale drop-in of a service the policy no longer names are drift (exit 3).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "capset/drop_in_drift.h"
#include "capset/drop_in_writer.h"
#include "capset/ipc/json_text.h"
#include "capset/policy_loader.h"
#include "capset/service_plan.h"
#include "capset/trusted_file.h"
#include "capset/unit_files.h"
#include "capset/unit_gen.h"
#include "cli.h"
#include "diagnostics.h"

namespace capset::capctl {
namespace {

struct Verdict {
  std::string service;
  std::string state;  ///< ok, drift, missing, stale, refused
  std::string path;
  std::vector<DropInDiffLine> diff;
  std::string reason;  ///< why it is drift beyond the directives (untrusted), or refused
};

// The drop-in of `service` in `dir`, or nullopt when there is none. Read-only and without
// following a link; a directory or file someone other than root could change is drift in
// itself (they could change what systemd reads), said in `ret_untrusted`.
Result<std::optional<std::string>> ReadDropIn(const SafeDir& dir, const std::string& service,
                                              std::string& ret_untrusted) {
  SafeOpenOptions open;
  open.trust = TrustMode::kReport;
  Result<SafeDir> sub = OpenDirectoryBelow(RealSys(), dir, "/" + service + ".d", open);
  if (!sub.ok()) {
    if (sub.status().code() == Code::kNotFound) return std::optional<std::string>();
    return sub.status();
  }
  TrustedReadOptions read;
  read.trust = TrustMode::kReport;
  read.max_bytes = 1 << 20;
  Result<TrustedText> text =
      ReadTrustedFileAt(RealSys(), *sub, kDropInName, sub->path + "/" + kDropInName, read);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) return std::optional<std::string>();
    return text.status();
  }
  if (sub->untrusted) ret_untrusted = *sub->untrusted;
  if (text->untrusted) ret_untrusted = *text->untrusted;
  return std::optional<std::string>(std::move(text->text));
}

constexpr const char kGeneratorDir[] = "/run/systemd/generator";

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

// What systemd reads besides capset's drop-in, in its own precedence (unit_files.h): a
// 50-capset.conf of a directory before the generator's shadows capset's (systemd reads one
// file per name); a drop-in sorted after it that sets what capset's sets, or who the service
// runs as and with which capabilities, overrides it. Each is drift, with its directives as
// "-" lines. Needs the unit's fragment (a unit without one does not start).
void CheckPrecedence(const SafeDir& root, const std::string& service, const std::string& want,
                     Verdict& v) {
  Result<UnitFiles> unit = LoadUnitFiles(RealSys(), root, service);
  if (!unit.ok() || unit->masked) return;
  const std::string ours = std::string(kGeneratorDir) + "/" + service + ".d/" + kDropInName;
  const auto winner = std::find_if(unit->drop_ins.begin(), unit->drop_ins.end(),
                                   [](const std::string& d) { return BaseName(d) == kDropInName; });
  if (winner == unit->drop_ins.end()) return;
  std::vector<std::string> notes;
  if (*winner != ours) notes.push_back("shadowed by " + *winner + " (systemd reads it instead)");
  std::set<std::string> guarded = {"User",
                                   "Group",
                                   "DynamicUser",
                                   "SupplementaryGroups",
                                   "AmbientCapabilities",
                                   "CapabilityBoundingSet",
                                   "NoNewPrivileges",
                                   "SecureBits"};
  for (const UnitAssignment& a : ParseUnitFile(want, "")) guarded.insert(a.key);
  const std::set<std::string> later(winner + 1, unit->drop_ins.end());
  std::set<std::string> overriding;
  for (const UnitAssignment& a : unit->assignments) {
    if (a.section != "Service" || !guarded.count(a.key)) continue;
    if (later.count(a.file) || (a.file == *winner && *winner != ours)) {
      v.diff.push_back({'-', "[Service] " + a.key + "=" + a.value + "  (" + a.file + ")"});
      if (a.file != *winner) overriding.insert(a.file);
    }
  }
  for (const auto& f : overriding) notes.push_back("overridden by " + f);
  for (const auto& n : notes) v.reason += (v.reason.empty() ? "" : "; ") + n;
}

nlohmann::json VerdictJson(const Verdict& v) {
  nlohmann::json diff = nlohmann::json::array();
  for (const auto& d : v.diff)
    diff.push_back({{"op", std::string(1, d.op)}, {"directive", d.directive}});
  nlohmann::json j = {{"service", v.service}, {"state", v.state}, {"path", v.path}, {"diff", diff}};
  if (!v.reason.empty()) j["reason"] = v.reason;
  return j;
}

void PrintVerdict(const Verdict& v) {
  std::printf("%s: %s %s%s%s\n", Printable(v.service).c_str(), v.state.c_str(),
              Printable(v.path).c_str(), v.reason.empty() ? "" : ": ", Printable(v.reason).c_str());
  // What is on disk may hold anything: escape it rather than send it to a terminal.
  for (const auto& d : v.diff) std::printf("  %c %s\n", d.op, Printable(d.directive).c_str());
}

}  // namespace

int RunUnitVerify(const UnitVerifyRequest& req) {
  // What the generator reads and how: the layered policy under the trust rule (an untrusted
  // file grants nothing, so the generator writes nothing for it), its templates, its lint.
  PolicyLoadOptions load;
  load.trust = TrustMode::kRequire;
  const LoadedPolicy loaded = req.policy_files.empty() ? LoadPolicyTree(req.root, load)
                                                       : LoadPolicyFiles(req.policy_files, load);
  const std::vector<PlannedService> plans =
      PlanGeneratorServices(loaded.policy, req.root, req.services);
  for (const auto& name : req.services) {
    if (std::none_of(plans.begin(), plans.end(),
                     [&](const PlannedService& p) { return p.service->name == name; })) {
      PrintError("unit verify: no service '" + name + "' in the policy");
      return kExitFailure;
    }
  }

  // The generator's directory, and every directory above it, must be root's: whoever else
  // could change them could change what systemd reads (reported with every verdict).
  SafeOpenOptions open;
  open.trust = TrustMode::kReport;
  const std::string dir_path = !req.dir.empty() ? req.dir : RootedPath(req.root, kGeneratorDir);
  SafeOpenOptions read_only;
  read_only.trust = TrustMode::kIgnore;  // unit files grant nothing: read, not trusted
  Result<SafeDir> root = OpenRoot(RealSys(), req.root, read_only);
  Result<SafeDir> dir = [&]() -> Result<SafeDir> {
    if (!req.dir.empty()) return OpenDirectoryNoFollow(RealSys(), req.dir, open);
    CAPSET_ASSIGN_OR_RETURN(SafeDir r, OpenRoot(RealSys(), req.root, open));
    return OpenDirectoryBelow(RealSys(), r, kGeneratorDir, open);
  }();
  const bool no_dir = !dir.ok() && dir.status().code() == Code::kNotFound;
  if (!dir.ok() && !no_dir) {
    PrintError(dir.status().message());
    return kExitFailure;
  }
  const std::string dir_untrusted = dir.ok() && dir->untrusted ? *dir->untrusted : "";

  bool failed = !loaded.ok(), drift = false;
  std::vector<Verdict> verdicts;
  std::vector<Diagnostic> findings = loaded.diagnostics;
  for (const auto& p : plans) {
    Verdict v{
        p.service->name, "ok", dir_path + "/" + p.service->name + ".d/" + kDropInName, {}, {}};
    std::optional<std::string> have;
    if (!no_dir) {
      Result<std::optional<std::string>> read = ReadDropIn(*dir, p.service->name, v.reason);
      if (!read.ok()) {
        // A link, a FIFO, a file too large: not capset's drop-in, whatever systemd makes of it.
        v.state = "drift";
        v.reason = read.status().message();
        drift = true;
        verdicts.push_back(std::move(v));
        continue;
      }
      have = std::move(read).value();
    }
    // Said by the walk to the drop-in when there is one; said here when there is none.
    if (!dir_untrusted.empty() && v.reason.empty()) v.reason = dir_untrusted;
    std::optional<std::string> want;
    if (p.ok()) {
      Result<std::string> rendered = RenderDropIn(*p.service, p.tmpl.get());
      if (rendered.ok())
        want = std::move(rendered).value();
      else
        v.reason = rendered.status().message();
    } else {
      findings.insert(findings.end(), p.findings.begin(), p.findings.end());
    }
    if (!want) {
      // The generator writes nothing for a refused service: one there is not capset's.
      failed = true;
      v.state = have ? "stale" : "refused";
      if (v.reason.empty()) v.reason = "the policy entry is refused (capctl unit lint says why)";
      if (have) v.diff = DiffDropIns(*have, "");
    } else if (!have) {
      v.state = "missing";
      v.reason += std::string(v.reason.empty() ? "" : "; ") +
                  "systemctl daemon-reload runs capset-generator, which writes it";
    } else {
      v.diff = DiffDropIns(*have, *want);
      // Systemd's own search path, where capset's drop-in is read from the generator's
      // directory: another 50-capset.conf earlier in it shadows capset's; a later drop-in can
      // undo what capset's says.
      if (req.dir.empty() && root.ok()) CheckPrecedence(*root, p.service->name, *want, v);
      if (!v.diff.empty() || !v.reason.empty()) v.state = "drift";
    }
    if (v.state != "ok" && v.state != "refused") drift = true;
    verdicts.push_back(std::move(v));
  }

  // Without SERVICE arguments: capset's drop-ins of services the policy no longer names.
  if (req.services.empty() && !no_dir) {
    Result<std::vector<DirEntry>> entries = ListTrustedDirectory(RealSys(), *dir, ".service.d");
    if (!entries.ok()) {
      PrintError(entries.status().message());
      failed = true;
    }
    for (const DirEntry& e : entries.ok() ? *entries : std::vector<DirEntry>{}) {
      const std::string service = e.name.substr(0, e.name.size() - 2);
      if (std::any_of(plans.begin(), plans.end(),
                      [&](const PlannedService& p) { return p.service->name == service; })) {
        continue;
      }
      Verdict v{service, "stale", dir_path + "/" + e.name + "/" + kDropInName, {}, {}};
      Result<std::optional<std::string>> read = ReadDropIn(*dir, service, v.reason);
      if (!read.ok()) {
        // A link (to a directory, or as the drop-in): systemd follows it; capset does not.
        v.state = "drift";
        v.reason = read.status().message();
      } else if (!read->has_value()) {
        continue;  // no drop-in of capset's there
      } else {
        v.diff = DiffDropIns(**read, "");
        if (v.reason.empty()) v.reason = "no policy entry names this service";
      }
      drift = true;
      verdicts.push_back(std::move(v));
    }
  }

  if (req.json) {
    nlohmann::json units = nlohmann::json::array();
    for (const auto& v : verdicts) units.push_back(VerdictJson(v));
    const nlohmann::json doc = {{"ok", !failed && !drift},
                                {"dir", dir_path},
                                {"units", units},
                                {"policy_diagnostics", DiagnosticsJson(loaded.diagnostics)}};
    std::printf("%s\n", DumpJson(doc).c_str());
  } else {
    for (const auto& v : verdicts) PrintVerdict(v);
    std::fflush(stdout);
    PrintDiagnostics(findings);
  }
  if (failed) return kExitFailure;
  return drift ? kExitDrift : kExitOk;
}

}  // namespace capset::capctl
