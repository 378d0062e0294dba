// SPDX-License-Identifier: LGPL-2.1-or-later
// capsetd's diagnostics, each with its syslog priority: refusals at LOG_WARNING, failures at
// LOG_ERR, the daemon's own comings and goings at LOG_INFO. Changes and refusals also have
// their structured records (capset/ipc/change_journal.h); these are the human-readable lines.
#pragma once

#include <string>

namespace capset::capsetd {

/// Whether stderr is connected to the journal: $JOURNAL_STREAM names stderr's device and
/// inode (systemd.exec(5)). Decided once.
bool StderrIsJournal();

/// Logs `message` at `priority` (LOG_ERR, LOG_WARNING, LOG_INFO, ...): to the journal with
/// PRIORITY= and SYSLOG_IDENTIFIER=capsetd when stderr is the journal, else as "capsetd:
/// MESSAGE" ("capsetd: warning: MESSAGE" for a warning) on stderr.
void Log(int priority, const std::string& message);

}  // namespace capset::capsetd
