// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/ipc/change_journal.h"

#include <sys/uio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capset/printable.h"

namespace capset::journal {
namespace {

// Fields as "NAME=value" strings, sent in one sd_journal_sendv.
class Entry {
 public:
  // MESSAGE, the line journalctl shows, with its control characters escaped (a path may hold
  // a newline or an escape sequence; journalctl shows such a message only as "[blob data]",
  // and -a or -o cat prints the raw bytes); the CAPSET_* fields keep them as they are.
  Entry& Add(const char* name, const std::string& value) {
    fields_.push_back(std::string(name) + "=" +
                      (std::strcmp(name, "MESSAGE") == 0 ? ControlsEscaped(value) : value));
    return *this;
  }
  Entry& AddCaller(const Caller& c) {
    return Add("CAPSET_TOOL", c.tool)
        .Add("CAPSET_CALLER_PID", std::to_string(c.pid))
        .Add("CAPSET_CALLER_UID", std::to_string(c.uid))
        .Add("CAPSET_CALLER_GID", std::to_string(c.gid));
  }
  void Send() const {
    std::vector<iovec> iov;
    iov.reserve(fields_.size());
    for (const auto& f : fields_) {
      iov.push_back({const_cast<char*>(f.data()), f.size()});
    }
    // Fails (ENOENT) where no journal runs; the same facts are printed or replied.
    (void)sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
  }

 private:
  std::vector<std::string> fields_;
};

}  // namespace

bool JournalSocketExists() {
  return access("/run/systemd/journal/socket", F_OK) == 0 || errno != ENOENT;
}

void RecordFileResult(const FileResult& r, const Caller& caller) {
  if (r.ok() && !r.changed) return;
  Entry e;
  if (r.ok()) {
    e.Add("MESSAGE", caller.tool + ": " + r.path + ": " + DriftText(r.drift) +
                         (r.removed ? " (no longer in the policy)" : ""))
        .Add("MESSAGE_ID", kFileChangedId)
        .Add("PRIORITY", std::to_string(LOG_NOTICE))
        .Add("CAPSET_CHANGE", DriftText(r.drift))
        .Add("CAPSET_CAPS", r.fallback ? "" : r.entry->caps_text)
        .Add("CAPSET_FALLBACK", r.fallback ? "setuid" : "none")
        .Add("CAPSET_REMOVED", r.removed ? "yes" : "no");
  } else {
    e.Add("MESSAGE", caller.tool + ": " + r.error.message())
        .Add("MESSAGE_ID", kFileErrorId)
        .Add("PRIORITY", std::to_string(LOG_ERR))
        .Add("CAPSET_ERROR", r.error.message());
  }
  e.Add("CAPSET_PATH", r.path)
      .Add("CAPSET_PACKAGE", r.entry->package)
      .Add("CAPSET_POLICY_SOURCE", r.entry->where.ToString())
      .AddCaller(caller)
      .Send();
}

void RecordRecordStatus(const FilePolicyRun& run, const Caller& caller) {
  if (run.record_status.ok()) return;
  Entry()
      .Add("MESSAGE", caller.tool + ": " + run.record_status.message() +
                          "; files removed from the policy may keep what capset gave them")
      .Add("MESSAGE_ID", kFileErrorId)
      .Add("PRIORITY", std::to_string(LOG_WARNING))
      .Add("CAPSET_ERROR", run.record_status.message())
      .Add("CAPSET_RECORD", run.record_path)
      .AddCaller(caller)
      .Send();
}

void RecordFileRun(const FilePolicyRun& run, const Caller& caller, bool dry_run) {
  // Without the socket, thousands of messages would each be made only to be dropped.
  if (dry_run || !JournalSocketExists()) return;
  for (const auto& r : run.results) RecordFileResult(r, caller);
  RecordRecordStatus(run, caller);
}

void RecordRefusedCall(const Caller& caller, const std::string& method, const std::string& reason) {
  Entry()
      .Add("MESSAGE", "capsetd: refused " + method + " from uid " + std::to_string(caller.uid) +
                          " (pid " + std::to_string(caller.pid) + "): " + reason)
      .Add("MESSAGE_ID", kCallRefusedId)
      .Add("PRIORITY", std::to_string(LOG_WARNING))
      .Add("CAPSET_METHOD", method)
      .Add("CAPSET_REASON", reason)
      .AddCaller(caller)
      .Send();
}

void Record(const char* message_id, int priority, const std::string& message) {
  Entry()
      .Add("MESSAGE", message)
      .Add("MESSAGE_ID", message_id)
      .Add("PRIORITY", std::to_string(priority))
      .Send();
}

}  // namespace capset::journal
