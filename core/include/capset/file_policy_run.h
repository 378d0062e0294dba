// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — one `policy apply` or `verify` of the files: section, with the record of what capset
// applied (applied_record.h): what capctl and capsetd both run.
//
// An apply that changes files holds the record's lock from before the policy and the files are
// read (while the policy is parsed, and while a run waits for a policy file to settle) until the
// record is saved, so that two applies (capctl from a package trigger, capsetd for an admin)
// neither interleave their changes nor lose each other's records.
// Thread-safety: reentrant.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "capset/file_policy.h"
#include "capset/policy_loader.h"
#include "capset/stat_watch.h"

namespace capset {

/// What a run may conclude from the record.
enum class RecordUse {
  /// A policy given as a few files says nothing about the rest: the record is left alone.
  kNone,
  /// The whole policy tree, but some of its files were left out for errors: their entries
  /// are missing, not removed. What is applied is recorded; nothing is taken away.
  kRecordOnly,
  /// The whole policy tree: a recorded path it does not name was removed from it.
  kFull,
};

struct FilePolicyRun {
  std::vector<FileResult> results;
  std::string record_path;  ///< "" when the run did not use the record
  /// Reading or saving the record failed: files removed from the policy may keep what capset
  /// gave them. The files themselves were processed all the same.
  Status record_status;
  bool removals_skipped = false;  ///< kRecordOnly: removed entries were not looked at
};

/// Processes `policy` (see ProcessFilePolicy) with the record as `use` allows: it is read for
/// kRecordOnly and kFull, and after an apply that is not a dry run, updated.
FilePolicyRun RunFilePolicy(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use);

/// kFull for a whole tree that loaded without errors, kRecordOnly with errors.
RecordUse RecordUseForTree(bool policy_ok);

struct PolicyTreeRun {
  std::shared_ptr<const LoadedPolicy> loaded;  ///< the policy the run used
  FilePolicyRun run;
  bool waited = false;  ///< it waited for a policy file to settle, then loaded it again
};

/// Loads the policy (a copy of a policy of thousands of entries costs; capsetd shares one).
using PolicyLoader = std::function<std::shared_ptr<const LoadedPolicy>()>;

/// The record as a run that writes nothing reads it (no lock); such runs may share one.
struct RecordSnapshot {
  std::string path;                     ///< "" when its directory could not be opened
  std::optional<AppliedRecord> record;  ///< nullopt: unreadable (status says why)
  Status status;
};

/// Reads the record of `root` for a run that writes nothing.
RecordSnapshot ReadRecordSnapshot(SysOps& sys, const std::string& root);

/// What the record's snapshot depends on, to be taken before it is read: every directory from
/// "/" to the record, and the record (stat_watch.h).
StatWatch RecordSnapshotWatch(SysOps& sys, const std::string& root);

/// Where a run that writes nothing gets the record (capsetd keeps one while its watch holds).
using RecordSource = std::function<std::shared_ptr<const RecordSnapshot>()>;

/// The run for the whole policy tree, as `load` loads it (LoadPolicyTree of options.root):
/// the record as RecordUseForTree(loaded.ok()) allows. What capctl policy apply|verify and
/// capsetd run.
///
/// SECURITY: a file being rewritten in place reads, for a moment, as a valid prefix that
/// lacks entries nobody removed. So when the record would lose an entry because a file that
/// changed less than kSettleSeconds ago no longer names it, the run waits until that file has
/// settled and loads the policy again; an entry whose file is still changing is kept for the
/// next run (FileResult::deferred, with a warning), never taken away.
///
/// `read_record_alongside`: the record is read on a second thread while `load` parses the
/// policy (capctl: thousands of entries make both slow). capsetd, whose `load` returns the
/// policy it keeps, passes false: a thread per call would cost more than it saves.
/// `record`: where a run that writes nothing gets the record; empty: it is read. An apply
/// always reads it under the lock.
PolicyTreeRun RunPolicyTree(SysOps& sys, const PolicyLoader& load, FilePolicyOptions options,
                            bool read_record_alongside = true, const RecordSource& record = {});

/// Whether an apply (not a dry run) of the tree would write nothing, judged from `tree`, a dry
/// run (quick_check may be set) that got `record` from its RecordSource: the policy loaded
/// whole and settled, and the record was read; every entry is already as wanted, nothing is
/// to be removed, and the record already says what the apply would record. The dry run's
/// results are then the apply's too, found without the record's lock (capsetd answers such an
/// Apply beside the other calls).
///
/// SECURITY: this only ever skips a lock and a save that would change nothing. The state it
/// judges is one a locked apply could have found: another apply in progress has either not
/// yet changed a file (drift), changed it but not yet saved the record (the record does not
/// hold), or finished. Anything else, an error or a warning included, returns false, and the
/// caller runs the apply under the lock, which decides it.
bool DryRunWritesNothing(const PolicyTreeRun& tree, const RecordSnapshot& record);

}  // namespace capset
