// SPDX-License-Identifier: LGPL-2.1-or-later
// capset — structured journal records of every change made to a file's privileges, by
// `capctl policy apply` and by capsetd, and of every call capsetd refused.
//
// Each record has a MESSAGE_ID (below; `journalctl MESSAGE_ID=...` finds them all) and
// CAPSET_* fields: CAPSET_PATH, CAPSET_PACKAGE, CAPSET_CHANGE ("caps none -> cap_net_raw=p"),
// CAPSET_CAPS (the capabilities now on the file), CAPSET_FALLBACK, CAPSET_POLICY_SOURCE
// (file:line:column), CAPSET_REMOVED ("yes": the entry is no longer in the policy and what
// capset had applied was taken away), CAPSET_TOOL, and the caller: CAPSET_CALLER_UID/_GID/_PID.
// Without a journal (no /run/systemd/journal/socket) the records are dropped: what they
// say is also printed or replied.
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "capset/file_policy_run.h"

namespace capset::journal {

inline constexpr const char kFileChangedId[] = "7458647565d241e199775ddc2ae48669";
inline constexpr const char kFileErrorId[] = "91239a584acc4167872e3a813188b52e";
inline constexpr const char kCallRefusedId[] = "38cfb0e63e1646f59cd9b106aebe49e0";
inline constexpr const char kDaemonStartedId[] = "c9096807c84d4c878954c9eabd4bf83e";

/// Who asked for the change.
struct Caller {
  std::string tool;  ///< "capctl" or "capsetd"
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// One record per file changed (kFileChangedId, PRIORITY=notice), per file that could not be
/// changed (kFileErrorId, PRIORITY=err), and one if the record of applied files could not be
/// read or saved (kFileErrorId, PRIORITY=warning, CAPSET_RECORD). Dry runs record nothing.
void RecordFileRun(const FilePolicyRun& run, const Caller& caller, bool dry_run);

/// The parts of RecordFileRun, for a caller that records each result as it is made
/// (FilePolicyOptions::on_result; thread-safe, in the order the results come): the record of
/// `r` if it changed or failed, and the record's failure. Such a caller skips them itself for a
/// dry run and where JournalSocketExists() is false, as RecordFileRun does.
void RecordFileResult(const FileResult& r, const Caller& caller);
void RecordRecordStatus(const FilePolicyRun& run, const Caller& caller);

/// Whether /run/systemd/journal/socket exists: where it does not (an image built in a chroot
/// or container, as package triggers run), sd_journal_sendv drops every message silently.
bool JournalSocketExists();

/// A call capsetd refused (kCallRefusedId, PRIORITY=warning).
void RecordRefusedCall(const Caller& caller, const std::string& method, const std::string& reason);

/// A free-form record with a MESSAGE_ID and a priority (syslog level).
void Record(const char* message_id, int priority, const std::string& message);

}  // namespace capset::journal
