// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/file_policy_run.h"

#include <optional>
#include <set>

namespace capset {

RecordUse RecordUseForTree(bool policy_ok) {
  return policy_ok ? RecordUse::kFull : RecordUse::kRecordOnly;
}

FilePolicyRun RunFilePolicy(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            RecordUse use) {
  FilePolicyRun run;
  if (use == RecordUse::kNone) {
    options.record = nullptr;
    run.results = ProcessFilePolicy(sys, policy, options);
    return run;
  }
  const bool writes = options.apply && !options.dry_run;
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, options.root, writes);
  std::optional<AppliedRecord> record;
  if (store.ok()) {
    run.record_path = store->path();
    Result<AppliedRecord> loaded = store->Load();
    if (loaded.ok()) {
      record = std::move(loaded).value();
    } else {
      run.record_status = loaded.status();
    }
  } else {
    run.record_status = store.status();
  }
  // A policy file with an error is left out whole; its entries are not removed ones.
  run.removals_skipped = use == RecordUse::kRecordOnly;
  options.record = record && !run.removals_skipped ? &*record : nullptr;
  run.results = ProcessFilePolicy(sys, policy, options);
  // A record that could not be read is left as it is, not replaced by a partial one.
  if (writes && record) {
    // A no-op writes nothing.
    if (UpdateAppliedRecord(*record, run.results)) run.record_status = store->Save(*record);
  }
  return run;
}

namespace {

// Whether the record holds an entry that `loaded` no longer names, from a file in `unsettled`.
bool RemovalFromUnsettledFile(SysOps& sys, const LoadedPolicy& loaded,
                              const FilePolicyOptions& options) {
  if (loaded.unsettled.empty() || !loaded.ok()) return false;
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(sys, options.root, false);
  if (!store.ok()) return false;
  Result<AppliedRecord> record = store->Load();
  if (!record.ok()) return false;
  const std::set<std::string> unsettled(loaded.unsettled.begin(), loaded.unsettled.end());
  for (const AppliedFile* applied : RemovedEntries(loaded.policy, *record, options.package)) {
    if (unsettled.count(applied->SourceFile())) return true;
  }
  return false;
}

}  // namespace

PolicyTreeRun RunPolicyTree(SysOps& sys, const PolicyLoader& load, FilePolicyOptions options) {
  PolicyTreeRun out;
  out.loaded = load();
  if (RemovalFromUnsettledFile(sys, *out.loaded, options)) {
    sys.SleepMs(kSettleSeconds * 1000 + 50);
    out.loaded = load();
    out.waited = true;
  }
  options.unsettled_sources.insert(out.loaded->unsettled.begin(), out.loaded->unsettled.end());
  out.run = RunFilePolicy(sys, out.loaded->policy, std::move(options),
                          RecordUseForTree(out.loaded->ok()));
  return out;
}

}  // namespace capset
