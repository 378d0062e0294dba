// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/unit_profile.h"

#include <linux/magic.h>
#include <sys/vfs.h>

#include "capset/drop_in_writer.h"
#include "capset/profile_tracer.h"
#include "capset/unit_gen.h"
#include "capset/unit_syntax.h"

namespace capset {

Status ValidServiceName(const std::string& name) {
  if (std::optional<std::string> why = InvalidServiceName(name)) {
    return Status(Code::kInvalidArgument, "--unit: " + *why);
  }
  // The kernel's name of its cgroup, compared in the tracer, is at most 127 bytes there.
  if (name.size() > 127) {
    return Status(Code::kInvalidArgument, "--unit: a unit name longer than 127 bytes");
  }
  return Status::Ok();
}

Result<std::string> PermissiveDropIn(const UnitProfileOptions& options) {
  for (const auto* id : {&options.user, &options.group}) {
    if (!*id) continue;
    if (std::optional<std::string> why = InvalidUserGroupName(**id)) {
      return Status(Code::kInvalidArgument,
                    std::string(id == &options.user ? "--user: " : "--group: ") + *why);
    }
  }
  const std::string all = SystemdCapList(options.grant);
  std::string text =
      "# Written by capctl profile --unit for a permissive run: every capability, so that each\n"
      "# check succeeds and is seen. Removed, and the unit restarted, when profiling ends.\n"
      "[Service]\n"
      "CapabilityBoundingSet=\n"
      "CapabilityBoundingSet=" + all + "\n"
      "AmbientCapabilities=\n"
      "AmbientCapabilities=" + all + "\n";
  if (options.user) text += "DynamicUser=no\nUser=" + *options.user + "\n";
  if (options.group) text += "Group=" + *options.group + "\n";
  return text;
}

namespace {

// Whether a unit in `state` (ActiveState) is running, or on its way.
bool Running(const std::string& state) {
  return state == "active" || state == "activating" || state == "reloading";
}

// The cgroup v2 hierarchy systemd keeps units in: `root` itself (unified), or its "unified"
// directory (systemd's hybrid mode).
Result<std::string> UnifiedCgroupRoot(const std::string& root) {
  for (const std::string& dir : {root, root + "/unified"}) {
    struct statfs fs {};
    if (statfs(dir.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return dir;
  }
  return Status(Code::kNotSupported,
                "--unit finds a service by its cgroup v2 directory, and this system has no "
                "cgroup v2 hierarchy (" + root + " and " + root +
                    "/unified are not cgroup2): boot with systemd's unified or hybrid hierarchy");
}

// Puts the unit back as it was (see the header); what fails is returned, not thrown away.
std::vector<std::string> Restore(const UnitProfileOptions& options, const SafeDir& dir,
                                 const UnitInfo& before, SystemdManager& systemd) {
  std::vector<std::string> failed;
  if (Status st = RemoveDropIn(dir, options.unit, kProfileDropInName); !st.ok()) {
    failed.push_back(st.message());
  }
  if (Status st = systemd.Reload(); !st.ok()) failed.push_back(st.message());
  Status st = Running(before.active_state) ? systemd.Restart(options.unit) : systemd.Stop(options.unit);
  if (!st.ok()) failed.push_back(st.message());
  return failed;
}

}  // namespace

Result<UnitProfile> ProfileUnit(const UnitProfileOptions& options, SystemdManager& systemd) {
  CAPSET_RETURN_IF_ERROR(ValidServiceName(options.unit));
  UnitProfile out;
  CAPSET_ASSIGN_OR_RETURN(out.unit, systemd.GetUnit(options.unit));
  if (out.unit.load_state != "loaded") {
    return Status(Code::kNotFound, "unit " + options.unit + " is " +
                                       (out.unit.load_state.empty() ? "unknown"
                                                                    : out.unit.load_state) +
                                       ": nothing to profile");
  }
  // From here to the end a Ctrl-C stops the watch, and the unit is put back (see the header).
  const StopSignals stop;
  // Everything that can fail without touching the unit, first.
  CAPSET_ASSIGN_OR_RETURN(std::string cgroup_root, UnifiedCgroupRoot(options.cgroup_root));
  CAPSET_ASSIGN_OR_RETURN(SafeDir dir, OpenDropInDirectory(options.drop_in_dir));
  CAPSET_ASSIGN_OR_RETURN(std::string drop_in, PermissiveDropIn(options));
  CAPSET_RETURN_IF_ERROR(WriteDropIn(dir, options.unit, drop_in, kProfileDropInName));
  auto restore_into = [&](Status st) -> Status {
    for (const std::string& f : Restore(options, dir, out.unit, systemd)) {
      st = Status(st.code(), st.message() + "; and putting " + options.unit + " back: " + f);
    }
    return st;
  };
  if (Status st = systemd.Reload(); !st.ok()) return restore_into(st);
  // Where systemd keeps it: as it says while the unit runs, else as it names cgroups.
  UnitTarget target;
  std::string parent;
  if (const std::string& cg = out.unit.control_group; cg.size() > 1 && cg.rfind('/') != 0) {
    parent = cg.substr(0, cg.rfind('/'));
    target.name = cg.substr(cg.rfind('/') + 1);
  } else if (cg.size() > 1) {
    parent = "/";
    target.name = cg.substr(1);
  } else {
    parent = out.unit.slice.empty() ? "/system.slice" : SliceCgroupPath(out.unit.slice);
    target.name = CgroupEscape(options.unit);
  }
  target.parent_dir = cgroup_root + (parent == "/" ? "" : parent);
  Result<TracedRun> run = TraceUnit(
      target, [&] { return systemd.Restart(options.unit); },
      [&] {
        Result<std::string> now = systemd.ActiveState(options.unit);
        return now.ok() && Running(*now);
      },
      options.duration_s);
  if (!run.ok()) return restore_into(run.status());
  out.run = std::move(run).value();
  for (const std::string& f : Restore(options, dir, out.unit, systemd)) {
    out.warnings.push_back("putting " + options.unit + " back: " + f);
  }
  return out;
}

}  // namespace capset
