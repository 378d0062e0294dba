// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl set — setcap(8)-compatible setting, removal and verification of file capabilities.
//
// Grammar (setcap's): [-q] [-v] [-n ROOTID] [-f] (CAPS|-|-r) FILE [(CAPS|-|-r) FILE ...]
// Options apply to the pairs that follow them, as in setcap.
//
// Unlike setcap, nothing is written until every argument has been parsed and every file
// opened and checked: a bad capability text, a missing file or a refused file anywhere on the
// command line means no file is changed. Each file is written through a descriptor obtained by
// OpenRegularFileNoFollow (see core/include/capset/safe_path.h).
#include <linux/capability.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "capset/file_cap_store.h"
#include "capset/ipc/json_text.h"
#include "capset/printable.h"
#include "capset/process.h"
#include "capset/safe_path.h"
#include "cli.h"
#include "json_caps.h"

namespace capset::capctl {
namespace {

constexpr const char kSetUsage[] =
    "Usage: capctl set [-q] [-v] [-n ROOTID] [-f] [--dry-run] [--json]\n"
    "                  (CAPS|-|-r) FILE [(CAPS|-|-r) FILE ...]\n"
    "\n"
    "Set, remove or verify the capabilities of regular files, with setcap(8)'s arguments.\n"
    "\n"
    "  CAPS           capabilities in cap_from_text(3) form, e.g. cap_net_raw=ep\n"
    "  -              read CAPS from standard input (up to an empty line or end of file)\n"
    "  -r             remove the capabilities of FILE\n"
    "  -q             quiet: no prompt, no verification output\n"
    "  -v             verify that FILE has exactly CAPS (and the root id) instead of setting\n"
    "  -n ROOTID      write a v3 capability for the user namespace whose root is ROOTID\n"
    "                 (it grants nothing on the host)\n"
    "  -f             accept files with several hard links (each name gets the capability)\n"
    "  --dry-run      check everything and print what would change; write nothing\n"
    "  --json         print the result as one JSON document\n"
    "  -h, --help     show this help\n"
    "\n"
    "Options apply to the (CAPS FILE) pairs after them. Nothing is written unless every\n"
    "argument is valid and every FILE passes the safety checks: FILE must be a regular file\n"
    "reached without symbolic links, with no directory above it and not itself writable by\n"
    "non-root, and with one hard link (or -f).\n"
    "\n"
    "Exit status: 0 done (or verified); 1 a file was refused, failed or did not verify;\n"
    "2 invalid arguments or capability text.\n";

constexpr size_t kMaxStdinCaps = 4096;

struct Op {
  std::optional<FileCaps> caps;  // nullopt: -r
  std::string text;              // as given (for messages)
  std::string file;
  bool verify = false;
  bool force = false;
};

struct Options {
  bool quiet = false;
  bool dry_run = false;
  bool json = false;
};

// Reads capability text from stdin the way setcap does: up to an empty line or end of file.
Result<std::string> ReadStdinCaps(bool quiet) {
  if (!quiet) std::fputs("Please enter caps for file [empty line to end]:\n", stderr);
  std::string text;
  char line[1024];
  while (std::fgets(line, sizeof line, stdin) != nullptr) {
    if (line[0] == '\n') break;
    text += line;
    if (text.size() > kMaxStdinCaps) {
      return Status(Code::kInvalidArgument, "capability text on standard input is too long");
    }
  }
  if (std::ferror(stdin)) return Status(Code::kIoError, "Failed to read standard input");
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Result<uint32_t> ParseRootId(const char* s) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v == 0 || v >= 0xFFFFFFFFull) {
    return Status(Code::kInvalidArgument,
                  std::string("-n: invalid root id '") + s +
                      "' (expected a user id from 1 to 4294967294; 0 is the host's root, "
                      "which needs no -n)");
  }
  return static_cast<uint32_t>(v);
}

// Parses the whole command line into ops. Usage errors are returned, not printed.
Result<std::vector<Op>> ParseArgs(int argc, char** argv, Options& opt, bool& help) {
  std::vector<Op> ops;
  bool verify = false, force = false;
  uint32_t rootid = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help = true;
      return ops;
    }
    if (arg == "-q") {
      opt.quiet = true;
      continue;
    }
    if (arg == "-v") {
      verify = true;
      continue;
    }
    if (arg == "-f") {
      force = true;
      continue;
    }
    if (arg == "--dry-run") {
      opt.dry_run = true;
      continue;
    }
    if (arg == "--json") {
      opt.json = true;
      continue;
    }
    if (arg == "-n") {
      if (++i >= argc) return Status(Code::kInvalidArgument, "-n needs a ROOTID");
      CAPSET_ASSIGN_OR_RETURN(uint32_t id, ParseRootId(argv[i]));
      rootid = id;
      continue;
    }
    Op op;
    op.verify = verify;
    op.force = force;
    if (arg == "-r") {
      op.text = "-r";
    } else {
      std::string text = arg;
      if (arg == "-") {
        CAPSET_ASSIGN_OR_RETURN(std::string in, ReadStdinCaps(opt.quiet));
        text = in;
      } else if (arg.size() > 1 && arg[0] == '-' && arg.find('=') == std::string::npos &&
                 arg.find('+') == std::string::npos) {
        return Status(Code::kInvalidArgument, "unknown option '" + arg + "'");
      }
      CAPSET_ASSIGN_OR_RETURN(FileCaps caps, FileCaps::FromText(text));
      caps.rootid = rootid;
      op.caps = caps;
      op.text = text;
    }
    if (++i >= argc) {
      return Status(Code::kInvalidArgument, "'" + arg + "' must be followed by a FILE");
    }
    op.file = argv[i];
    ops.push_back(std::move(op));
  }
  if (ops.empty()) return Status(Code::kInvalidArgument, "no (CAPS FILE) pair given");
  return ops;
}

std::string Quote(const std::string& s) { return "'" + Printable(s) + "'"; }

// A file name in setcap's own lines ("FILE: OK", "FILE differs in [e]"): as setcap prints it,
// but for its control characters, invisible ones and bytes that are not UTF-8, escaped, so
// that a name cannot forge or hide a line of the output.
std::string Shown(const std::string& path) { return ControlsEscaped(path); }

class Runner {
 public:
  explicit Runner(const Options& opt) : opt_(opt) {}

  int Run(std::vector<Op>& ops) {
    // Phase 1: open and check every file; refuse the whole command if any fails.
    std::vector<SafeFile> files;
    files.reserve(ops.size());
    bool refused = false;
    for (const Op& op : ops) {
      SafeOpenOptions so;
      so.trust = op.verify ? TrustMode::kIgnore : TrustMode::kRequire;
      so.allow_hardlinks = op.force || op.verify;
      Result<SafeFile> f = OpenRegularFileNoFollow(RealSys(), op.file, so);
      if (!f.ok()) {
        Fail(op, f.status().message());
        refused = true;
        files.emplace_back();
        continue;
      }
      for (const auto& w : f->warnings) Warn(w);
      // What would fail at the write is found now, so that nothing is changed at all: a
      // filesystem without file capabilities, an immutable or append-only file.
      if (!op.verify) {
        if (Status st = CheckCapsWritable(RealSys(), f->fd.get(), op.file); !st.ok()) {
          Fail(op, st.message());
          refused = true;
        }
      }
      files.push_back(std::move(f).value());
    }
    if (!refused && !opt_.dry_run &&
        std::any_of(ops.begin(), ops.end(), [](const Op& op) { return !op.verify; })) {
      const Result<CapState> caps = GetProcessCaps();
      if (caps.ok() && !(caps->permitted & CapBit(CAP_SETFCAP))) {
        Fail(ops.front(), "capctl needs CAP_SETFCAP to write file capabilities (run it as root)");
        refused = true;
      }
    }
    if (refused) {
      if (!opt_.json) PrintError("nothing was changed");
      return Finish();
    }

    // Phase 2: act, in command-line order.
    if (!opt_.dry_run) (void)RaiseEffective(CAP_SETFCAP);
    for (size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].verify) {
        Verify(ops[i], files[i]);
      } else {
        Write(ops[i], files[i]);
      }
    }
    return Finish();
  }

 private:
  void Write(const Op& op, const SafeFile& f) {
    Result<WriteOutcome> r = WriteFileCaps(RealSys(), f.fd.get(), op.file, op.caps, opt_.dry_run);
    if (!r.ok()) {
      std::string msg = r.status().message();

      Fail(op, msg);
      return;
    }
    if (*r == WriteOutcome::kNothingToRemove) {
      Fail(op, "'" + op.file + "' has no capabilities to remove");
      return;
    }
    const char* outcome = "";
    switch (*r) {
      case WriteOutcome::kWritten:
        outcome = opt_.dry_run ? "would-set" : "set";
        break;
      case WriteOutcome::kUnchanged:
        outcome = "unchanged";
        break;
      case WriteOutcome::kRemoved:
        outcome = opt_.dry_run ? "would-remove" : "removed";
        break;
      case WriteOutcome::kNothingToRemove:
        break;
    }
    nlohmann::json j = {{"action", op.caps ? "set" : "remove"}, {"outcome", outcome}};
    SetPathJson(j, "path", op.file);
    if (op.caps) j["capabilities"] = FileCapsJson(*op.caps);
    results_.push_back(j);
    if (opt_.dry_run && !opt_.json) {
      if (*r == WriteOutcome::kUnchanged) {
        std::printf("%s: unchanged (%s)\n", Shown(op.file).c_str(), op.caps->ToText().c_str());
      } else if (op.caps) {
        std::printf("%s: would set %s\n", Shown(op.file).c_str(), op.caps->ToText().c_str());
      } else {
        std::printf("%s: would remove capabilities\n", Shown(op.file).c_str());
      }
    }
    if (op.caps && op.caps->HostInert() && !opt_.quiet) {
      Note(Quote(op.file) + " gets a v3 capability for the user namespace whose root is uid " +
           std::to_string(op.caps->rootid) + "; it grants nothing on the host");
    }
  }

  void Verify(const Op& op, const SafeFile& f) {
    Result<std::optional<VfsCap>> have = ReadFileCaps(RealSys(), f.fd.get(), op.file);
    if (!have.ok()) {
      Fail(op, have.status().message());
      return;
    }
    const FileCaps want = op.caps.value_or(FileCaps{});
    const FileCaps got = have->has_value() ? (*have)->caps : FileCaps{};
    const FileCapsDiff diff = Compare(got, want);
    nlohmann::json j = {{"action", "verify"},
                        {"outcome", diff.any() ? "differs" : "ok"},
                        {"expected", FileCapsJson(want)},
                        {"found", FileCapsJson(got)}};
    SetPathJson(j, "path", op.file);
    results_.push_back(j);
    if (!diff.any()) {
      if (!opt_.quiet && !opt_.json) std::printf("%s: OK\n", Shown(op.file).c_str());
      return;
    }
    mismatch_ = true;
    if (!opt_.quiet && !opt_.json) {
      // setcap's exact wording, so scripts that parse it keep working.
      if (diff.rootid) std::printf("nsowner[got=%u, want=%u],", got.rootid, want.rootid);
      std::printf("%s differs in [%s]\n", Shown(op.file).c_str(), diff.Letters().c_str());
      if (got.HostInert() && want.rootid == 0) {
        Note(Quote(op.file) + " holds a v3 capability for the user namespace whose root is uid " +
             std::to_string(got.rootid) + "; it grants nothing on the host");
      }
    }
  }

  void Fail(const Op& op, const std::string& message) {
    failed_ = true;
    nlohmann::json e = {{"error", message}};
    SetPathJson(e, "path", op.file);
    errors_.push_back(std::move(e));
    if (!opt_.json) PrintError(message);
  }
  void Warn(const std::string& message) {
    if (opt_.json) {
      warnings_.push_back(message);
    } else {
      PrintWarning(message);
    }
  }
  void Note(const std::string& message) {
    if (opt_.json) {
      warnings_.push_back(message);
    } else {
      PrintNote(message);
    }
  }

  int Finish() {
    if (opt_.json) {
      const nlohmann::json doc = {{"results", results_},
                                  {"errors", errors_},
                                  {"warnings", warnings_},
                                  {"dry_run", opt_.dry_run}};
      std::printf("%s\n", DumpJson(doc).c_str());
    }
    std::fflush(stdout);
    return (failed_ || mismatch_) ? kExitFailure : kExitOk;
  }

  const Options& opt_;
  nlohmann::json results_ = nlohmann::json::array();
  nlohmann::json errors_ = nlohmann::json::array();
  nlohmann::json warnings_ = nlohmann::json::array();
  bool failed_ = false;
  bool mismatch_ = false;
};

}  // namespace

const option kSetOptions[] = {{"dry-run", no_argument, nullptr, 0},
                              {"json", no_argument, nullptr, 0},
                              {"help", no_argument, nullptr, 'h'},
                              {nullptr, 0, nullptr, 0}};

int RunSet(int argc, char** argv) {
  Options opt;
  bool help = false;
  Result<std::vector<Op>> ops = ParseArgs(argc, argv, opt, help);
  if (help) {
    std::fputs(kSetUsage, stdout);
    return kExitOk;
  }
  if (!ops.ok()) {
    PrintError("set: " + ops.status().message() +
               " (try 'capctl set --help'); nothing was changed");
    return kExitUsage;
  }
  return Runner(opt).Run(*ops);
}

}  // namespace capset::capctl
