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

// The record opened (and, for a writing run, locked) and read: what a run needs of it before
// it looks at any file.
struct OpenedRecord {
  std::optional<AppliedRecordStore> store;
  std::optional<AppliedRecord> record;  ///< nullopt: unreadable (status says why)
  Status status;
};

OpenedRecord OpenRecord(SysOps& sys, const std::string& root, bool writes) {
  OpenedRecord out;
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, root, writes);
  if (!store.ok()) {
    out.status = store.status();
    return out;
  }
  out.store.emplace(std::move(store).value());
  Result<AppliedRecord> loaded = out.store->Load();
  if (loaded.ok()) {
    out.record = std::move(loaded).value();
  } else {
    out.status = loaded.status();
  }
  return out;
}

bool Writes(const FilePolicyOptions& options) { return options.apply && !options.dry_run; }

FilePolicyRun RunWithRecord(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use, OpenedRecord opened) {
  FilePolicyRun run;
  if (opened.store) run.record_path = opened.store->path();
  run.record_status = opened.status;
  std::optional<AppliedRecord>& record = opened.record;
  // A policy file with an error is left out whole; its entries are not removed ones.
  run.removals_skipped = use == RecordUse::kRecordOnly;
  options.record = record && !run.removals_skipped ? &*record : nullptr;
  run.results = ProcessFilePolicy(sys, policy, options);
  // A record that could not be read is left as it is, not replaced by a partial one.
  if (Writes(options) && record) {
    // A no-op writes nothing.
    if (UpdateAppliedRecord(*record, run.results)) run.record_status = opened.store->Save(*record);
  }
  return run;
}

}  // namespace

FilePolicyRun RunFilePolicy(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use) {
  if (use == RecordUse::kNone) {
    FilePolicyRun run;
    options.record = nullptr;
    run.results = ProcessFilePolicy(sys, policy, options);
    return run;
  }
  OpenedRecord opened = OpenRecord(sys, options.root, Writes(options));
  return RunWithRecord(sys, policy, std::move(options), use, std::move(opened));
}

namespace {

// Whether the record holds an entry that `loaded` no longer names, from a file in `unsettled`.
bool RemovalFromUnsettledFile(const LoadedPolicy& loaded, const OpenedRecord& opened,
                              const FilePolicyOptions& options) {
  if (loaded.unsettled.empty() || !loaded.ok() || !opened.record) return false;
  const std::set<std::string> unsettled(loaded.unsettled.begin(), loaded.unsettled.end());
  for (const AppliedFile* applied :
       RemovedEntries(loaded.policy, *opened.record, options.package)) {
    if (unsettled.count(applied->SourceFile())) return true;
  }
  return false;
}

}  // namespace

PolicyTreeRun RunPolicyTree(SysOps& sys, const PolicyLoader& load, FilePolicyOptions options,
                            bool read_record_alongside) {
  PolicyTreeRun out;
  // The record is opened and read on a second thread while the policy is parsed: neither
  // needs the other, and with thousands of entries each costs as much as the other (a
  // no-op apply spends most of its time in the two). A thread that cannot be started leaves
  // the work to this one.
  const bool writes = Writes(options);
  std::future<OpenedRecord> early;
  try {
    if (read_record_alongside) {
      early = std::async(std::launch::async, OpenRecord, std::ref(sys), options.root, writes);
    }
  } catch (const std::system_error&) {
  }
  out.loaded = load();
  OpenedRecord opened = early.valid() ? early.get() : OpenRecord(sys, options.root, writes);
  if (RemovalFromUnsettledFile(*out.loaded, opened, options)) {
    sys.SleepMs(kSettleSeconds * 1000 + 50);
    out.loaded = load();
    out.waited = true;
    if (!writes) opened = OpenRecord(sys, options.root, writes);  // unlocked: read it again
  }
  options.unsettled_sources.insert(out.loaded->unsettled.begin(), out.loaded->unsettled.end());
  out.run = RunWithRecord(sys, out.loaded->policy, std::move(options),
                          RecordUseForTree(out.loaded->ok()), std::move(opened));
  return out;
}

}  // namespace capset
