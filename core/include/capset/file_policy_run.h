// capset — one `policy apply` or `verify` of the files: section, with the record of what capset
// applied (applied_record.h): what capctl and capsetd both run.
//
// An apply that changes files holds the record's lock from before the files are read until the
// record is saved, so that two applies (capctl from a package trigger, capsetd for an admin)
// neither interleave their changes nor lose each other's records.
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "capset/file_policy.h"

namespace capset {

struct FilePolicyRun {
  std::vector<FileResult> results;
  std::string record_path;  ///< "" when the run did not use the record
  /// Reading or saving the record failed: files removed from the policy may keep what capset
  /// gave them. The files themselves were processed all the same.
  Status record_status;
};

/// Processes `policy` (see ProcessFilePolicy). `whole_policy`: the policy is the system's (or
/// the image's) whole policy tree, so a recorded path it does not name was removed from it;
/// only then is the record read and, after an apply that is not a dry run, updated. A policy
/// given as a few files says nothing about the rest and leaves the record alone.
FilePolicyRun RunFilePolicy(SysOps& sys, const Policy& policy, FilePolicyOptions options,
                            bool whole_policy);

}  // namespace capset
