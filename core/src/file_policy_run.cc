#include "capset/file_policy_run.h"

#include <optional>

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
  Result<AppliedRecordStore> store = AppliedRecordStore::Open(options.root, writes);
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
    const AppliedRecord before = *record;
    UpdateAppliedRecord(*record, run.results);
    if (!(*record == before)) run.record_status = store->Save(*record);  // a no-op writes nothing
  }
  return run;
}

}  // namespace capset
