// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — applying and verifying the policy's files: section (capctl policy apply, verify,
// diff; capsetd).
//
// For each entry: open the file with the symlink-free walk (safe_path.h), read what it has,
// compare with what the entry wants — capabilities (with the root id), no set-user-ID bit
// (capabilities replace it), owner, group and mode where given — and, when applying, change
// only what differs, through the descriptor. Order matters: chown first (the kernel clears
// capabilities and the set-user-ID bit on a chown), then the capabilities (one atomic
// fsetxattr), then the mode. Every intermediate state holds no more privilege than the old or
// the new one, so a process killed half-way leaves nothing dangerous behind, and applying
// again completes the work.
//
// Where the filesystem cannot store capabilities (probed: the xattr read or write fails with
// EOPNOTSUPP), the entry's fallback decides: `setuid` makes the file set-user-ID root and says
// so; `none` is an error.
// Thread-safety: reentrant; entries are processed in parallel.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "capset/applied_record.h"
#include "capset/policy.h"
#include "capset/status.h"
#include "capset/sys_ops.h"

namespace capset {

/// One way a file differs from its entry.
struct Drift {
  enum class Kind {
    kCaps,    ///< missing, extra or different capabilities
    kRootId,  ///< a v3 capability whose root id is not 0: grants nothing on the host
    kSetuid,  ///< the set-user-ID bit is still there (or missing, for the setuid fallback)
    kOwner,
    kGroup,
    kMode,
  };
  Kind kind;
  std::string have;  ///< as text, "" = none
  std::string want;
};

/// "caps", "rootid", "setuid", "owner", "group", "mode".
const char* DriftKindName(Drift::Kind kind);

/// "caps none -> cap_net_raw=p, setuid set -> unset".
std::string DriftText(const std::vector<Drift>& drift);
/// One item of that text ("caps none -> cap_net_raw=p"; "" is "none") appended to `out`, after
/// ", " unless `out` is empty: also for drift read back from a report's JSON.
void AppendDriftText(std::string& out, std::string_view kind, std::string_view have,
                     std::string_view want);

struct FileResult {
  const FileEntry* entry = nullptr;  ///< for a removed entry: its record, as an entry
  std::string path;                  ///< on disk: root + entry->path
  std::vector<Drift> drift;          ///< before any change
  bool changed = false;              ///< apply wrote something (with dry_run: would write)
  bool fallback = false;             ///< the filesystem cannot store capabilities; setuid used
  /// The entry is no longer in the policy, but the record says capset applied it: what capset
  /// set (and nobody changed since) is taken away.
  bool removed = false;
  /// A removed entry left alone for now: its policy file changed a moment ago (a warning says
  /// so); the record keeps it.
  bool deferred = false;
  std::shared_ptr<const FileEntry> removed_entry;  ///< owns `entry` when removed
  std::vector<std::string> warnings;
  Status error;  ///< the file could not be checked or changed

  bool ok() const { return error.ok(); }
};

/// Resolves owner and group names of the target system: numbers as they are, names through
/// NSS for root "/", else through ROOT/etc/passwd and ROOT/etc/group (an image being built).
class IdResolver {
 public:
  IdResolver(SysOps& sys, std::string root);
  Result<uid_t> User(const std::string& name_or_number) const;
  Result<gid_t> Group(const std::string& name_or_number) const;

 private:
  SysOps& sys_;
  std::string root_;
};

struct FilePolicyOptions {
  std::string root = "/";
  std::optional<std::string> package;  ///< only this package's entries
  bool apply = false;                  ///< false: verify only
  bool dry_run = false;                ///< with apply: compute, change nothing
  bool allow_hardlinks = false;
  /// What capset applied before (applied_record.h), or null. Recorded paths that the policy no
  /// longer names (of `package`, when given) are processed too, as removed entries.
  const AppliedRecord* record = nullptr;
  /// Policy files that changed a moment ago (LoadedPolicy::unsettled): recorded entries from
  /// them are not taken as removed yet.
  std::set<std::string> unsettled_sources;
  /// With dry_run, for a caller that only asks whether an apply would write nothing
  /// (DryRunWritesNothing): an entry that is not found as wanted without opening it (the four
  /// calls of the plain case), and every removed entry, is not opened but taken as one to
  /// change (`changed`, its drift unknown): such a run is no report. Its results are reported
  /// only where DryRunWritesNothing holds, that is where it marked nothing.
  bool quick_check = false;
  /// Called with each entry's result as soon as it is final, on the thread that made it (so
  /// concurrently), before ProcessFilePolicy returns: capctl sends each change's journal
  /// message while the other files are worked on. Must not throw.
  std::function<void(const FileResult&)> on_result;
  /// Called once with every result (RunFilePolicy, RunPolicyTree in file_policy_run.h), before
  /// the run returns: where the run updates and saves the record, on a second thread while
  /// this one does that (or after it, on this one, where no thread can be started); otherwise
  /// on this thread. It must not read the record or the run's record status: capctl prints the
  /// report's entries there, which an apply of thousands otherwise waits for after the save.
  /// It should not throw; if it does, the record is saved all the same and the exception is
  /// rethrown when the run returns.
  std::function<void(const std::vector<FileResult>&)> beside_record;
};

/// The entries of `policy.files` selected by `options`, each checked (and with apply,
/// changed), in policy order; then the removed entries of `options.record`, by path.
///
/// A removed entry wants no capabilities where the record has the ones capset set, and no
/// set-user-ID bit where capset set it as the fallback; the walk's rules apply as for any
/// entry (a file no longer owned by root is refused: an error, and the record is kept).
/// Capabilities someone else changed since are left alone, with a warning. A file that is gone
/// is nothing to do.
std::vector<FileResult> ProcessFilePolicy(SysOps& sys, const Policy& policy,
                                          const FilePolicyOptions& options);

/// The entries of `record` that `policy` no longer names (only `package`'s, when given): what a
/// run takes as removed.
std::vector<const AppliedFile*> RemovedEntries(const Policy& policy, const AppliedRecord& record,
                                               const std::optional<std::string>& package);

/// Brings `record` up to date after an apply (not a dry run): entries applied without error
/// are recorded as they now are, removed entries without error are forgotten, and entries
/// with an error keep what was recorded.
/// Returns whether the record changed (a no-op apply writes nothing).
bool UpdateAppliedRecord(AppliedRecord& record, const std::vector<FileResult>& results);

/// Whether `record` already says what UpdateAppliedRecord would make it say after `results`
/// (it would return false, leaving the record as it is). The record is not changed.
bool AppliedRecordHolds(const AppliedRecord& record, const std::vector<FileResult>& results);

}  // namespace capset
