// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_policy_run.h"

#include <functional>
#include <future>
#include <optional>
#include <set>
#include <system_error>

namespace capset {

RecordUse RecordUseForTree(bool policy_ok) {
  return policy_ok ? RecordUse::kFull : RecordUse::kRecordOnly;
}

namespace {

// The record as a run holds it: an apply's, read under the lock it saves it with; or a
// snapshot that a run writing nothing may share.
struct OpenedRecord {
  std::optional<AppliedRecordStore> store;         ///< an apply's: locked, to save into
  std::shared_ptr<RecordSnapshot> own;             ///< read by this run (an apply updates it)
  std::shared_ptr<const RecordSnapshot> snapshot;  ///< what the run uses: `own`, or shared
};

OpenedRecord OpenRecord(SysOps& sys, const std::string& root, bool writes) {
  OpenedRecord out;
  out.own = std::make_shared<RecordSnapshot>();
  out.snapshot = out.own;
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, root, writes);
  if (!store.ok()) {
    out.own->status = store.status();
    return out;
  }
  out.store.emplace(std::move(store).value());
  out.own->path = out.store->path();
  Result<AppliedRecord> loaded = out.store->Load();
  if (loaded.ok()) {
    out.own->record = std::move(loaded).value();
  } else {
    out.own->status = loaded.status();
  }
  if (!writes) out.store.reset();  // nothing to save; its directory need not stay open
  return out;
}

bool Writes(const FilePolicyOptions& options) { return options.apply && !options.dry_run; }

// options.beside_record, run beside `work` (on a second thread) or, where there is no work or
// no thread, after it on this one. SECURITY: `work` (the record's update and save, after files
// were changed) runs whatever the callback or the thread's start does: what a run applied must
// not be forgotten. A callback's exception is rethrown after it.
void BesideRecord(const FilePolicyOptions& options, const std::vector<FileResult>& results,
                  const std::function<void()>& work = nullptr) {
  std::future<void> beside;
  if (options.beside_record && work) {
    try {
      beside = std::async(std::launch::async, options.beside_record, std::cref(results));
    } catch (...) {  // no thread (std::system_error), or no memory for one: inline, after
    }
  }
  if (work) work();
  if (options.beside_record && !beside.valid()) options.beside_record(results);
  if (beside.valid()) beside.get();
}

FilePolicyRun RunWithRecord(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use, OpenedRecord opened) {
  FilePolicyRun run;
  const RecordSnapshot& snapshot = *opened.snapshot;
  run.record_path = snapshot.path;
  run.record_status = snapshot.status;
  // kRecordOnly: a file with errors is missing, not removed; nothing is taken away.
  run.removals_skipped = use == RecordUse::kRecordOnly;
  options.record = snapshot.record && !run.removals_skipped ? &*snapshot.record : nullptr;
  run.results = ProcessFilePolicy(sys, policy, options);
  // Recorded even on kRecordOnly: what this run applied must not be forgotten. A record
  // that could not be read is left as it is, not replaced by a partial one.
  std::function<void()> record_update;
  if (Writes(options) && opened.store && opened.own && opened.own->record) {
    record_update = [&] {
      AppliedRecord& record = *opened.own->record;
      if (UpdateAppliedRecord(record, run.results)) {
        run.record_status = opened.store->Save(record);
      }
    };
  }
  BesideRecord(options, run.results, record_update);
  return run;
}

}  // namespace

FilePolicyRun RunFilePolicy(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use) {
  if (use == RecordUse::kNone) {
    FilePolicyRun run;
    options.record = nullptr;
    run.results = ProcessFilePolicy(sys, policy, options);
    BesideRecord(options, run.results);
    return run;
  }
  OpenedRecord opened = OpenRecord(sys, options.root, Writes(options));
  return RunWithRecord(sys, policy, std::move(options), use, std::move(opened));
}

namespace {

// Whether the record holds an entry that `loaded` no longer names, from a file in `unsettled`.
bool RemovalFromUnsettledFile(const LoadedPolicy& loaded, const OpenedRecord& opened,
                              const FilePolicyOptions& options) {
  const std::optional<AppliedRecord>& record = opened.snapshot->record;
  if (loaded.unsettled.empty() || !loaded.ok() || !record) return false;
  const std::set<std::string> unsettled(loaded.unsettled.begin(), loaded.unsettled.end());
  for (const AppliedFile* applied : RemovedEntries(loaded.policy, *record, options.package)) {
    if (unsettled.count(applied->SourceFile())) return true;
  }
  return false;
}

}  // namespace

RecordSnapshot ReadRecordSnapshot(SysOps& sys, const std::string& root) {
  OpenedRecord opened = OpenRecord(sys, root, /*writes=*/false);
  return std::move(*opened.own);
}

StatWatch RecordSnapshotWatch(SysOps& sys, const std::string& root) {
  StatWatch watch;
  watch.AddWithAncestors(sys, RootedPath(root, std::string(AppliedRecordStore::kDirectory) + "/" +
                                                   AppliedRecordStore::kFileName));
  // As root, the record may also belong to the capsetd user, whose uid NSS says.
  if (sys.EffectiveUid() == 0) watch.DependsOnMore();
  return watch;
}

PolicyTreeRun RunPolicyTree(SysOps& sys, const PolicyLoader& load, FilePolicyOptions options,
                            bool read_record_alongside, const RecordSource& record) {
  PolicyTreeRun out;
  // The record is opened and read on a second thread while the policy is parsed: neither
  // needs the other, and with thousands of entries each costs as much as the other (a
  // no-op apply spends most of its time in the two). A thread that cannot be started leaves
  // the work to this one.
  const bool writes = Writes(options);
  const bool shared = !writes && record;
  const auto open = [&] {
    if (!shared) return OpenRecord(sys, options.root, writes);
    OpenedRecord given;
    given.snapshot = record();
    return given;
  };
  std::future<OpenedRecord> early;
  try {
    if (read_record_alongside && !shared) {
      early = std::async(std::launch::async, OpenRecord, std::ref(sys), options.root, writes);
    }
  } catch (const std::system_error&) {
  }
  out.loaded = load();
  OpenedRecord opened = early.valid() ? early.get() : open();
  if (RemovalFromUnsettledFile(*out.loaded, opened, options)) {
    sys.SleepMs(kSettleSeconds * 1000 + 50);
    out.loaded = load();
    out.waited = true;
    if (!writes) opened = open();  // unlocked: read it again
  }
  options.unsettled_sources.insert(out.loaded->unsettled.begin(), out.loaded->unsettled.end());
  out.run = RunWithRecord(sys, out.loaded->policy, std::move(options),
                          RecordUseForTree(out.loaded->ok()), std::move(opened));
  return out;
}

bool DryRunWritesNothing(const PolicyTreeRun& tree, const RecordSnapshot& record) {
  if (!tree.loaded || !tree.loaded->ok() || !tree.loaded->unsettled.empty() || tree.waited) {
    return false;
  }
  const FilePolicyRun& run = tree.run;
  if (!record.status.ok() || !record.record || !run.record_status.ok() || run.removals_skipped) {
    return false;
  }
  for (const FileResult& r : run.results) {
    if (!r.ok() || r.changed || r.removed || r.deferred || !r.drift.empty() ||
        !r.warnings.empty()) {
      return false;
    }
  }
  return AppliedRecordHolds(*record.record, run.results);
}

}  // namespace capset
