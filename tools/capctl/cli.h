// capctl — what the subcommands share: exit codes and diagnostics.
#pragma once

#include <string>

#include "capset/status.h"

namespace capset::capctl {

/// Exit codes (documented in capctl --help and capctl(1)).
enum ExitCode : int {
  kExitOk = 0,       ///< everything asked for was done (or verified)
  kExitFailure = 1,  ///< some file failed, was refused, or did not verify
  kExitUsage = 2,    ///< invalid command line or capability text; nothing was changed
};

/// "capctl: <message>" on stderr.
void PrintError(const std::string& message);
/// "capctl: warning: <message>" on stderr.
void PrintWarning(const std::string& message);
/// "capctl: note: <message>" on stderr.
void PrintNote(const std::string& message);

/// Makes stdout fully buffered when it is not a terminal (large listings).
void BufferStdout();

int RunGet(int argc, char** argv);
int RunSet(int argc, char** argv);
int RunPolicy(int argc, char** argv);
/// policy apply | verify | diff; argv[0] is the verb.
int RunPolicyFiles(const std::string& verb, int argc, char** argv);
int RunUnit(int argc, char** argv);
int RunLogin(int argc, char** argv);
int RunAudit(int argc, char** argv);

}  // namespace capset::capctl
