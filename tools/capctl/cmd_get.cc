// SPDX-License-Identifier: LGPL-2.1-or-later
// capctl get — getcap(8)-compatible listing of file capabilities.
//
// Standard output is byte for byte what getcap prints for the same files and flags. Where
// capctl differs it is on purpose and documented in capctl(1): errors (missing files,
// unreadable directories) go to stderr as "capctl: ..." and make the exit status 1 (getcap
// exits 0 and is silent about unreadable directories).
#include <getopt.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "capset/ipc/json_text.h"
#include "capset/scanner.h"
#include "cli.h"
#include "json_caps.h"

namespace capset::capctl {
namespace {

constexpr const char kGetUsage[] =
    "Usage: capctl get [-r] [-n] [-v] [--json] [--one-file-system] PATH...\n"
    "\n"
    "Print the file capabilities of PATHs, exactly as getcap(8) prints them:\n"
    "one 'PATH CAPS' line per file that has capabilities.\n"
    "\n"
    "  -r, --recursive        descend into directories (symbolic links are not followed)\n"
    "  -n, --show-rootid      append ' [rootid=N]' to capabilities bound to a user\n"
    "                         namespace (v3); such a capability grants nothing on the host\n"
    "  -v, --verbose          also list files without capabilities, and entries that are\n"
    "                         not regular files\n"
    "      --json             print one JSON document instead of text\n"
    "      --one-file-system  with -r, stay on the filesystem of each PATH\n"
    "      --threads=N        with -r, read directories with N threads (default: CPUs)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Exit status: 0 all PATHs read; 1 an error was reported on stderr; 2 usage error.\n";

struct GetOptions {
  ScanOptions scan;
  bool show_rootid = false;
  bool json = false;
};

void PrintText(const ScanRecord& r, bool show_rootid) {
  switch (r.kind) {
    case ScanRecord::Kind::kCaps:
      if (show_rootid && r.caps.caps.rootid != 0) {
        std::printf("%s %s [rootid=%u]\n", r.path.c_str(), r.caps.caps.ToText().c_str(),
                    r.caps.caps.rootid);
      } else {
        std::printf("%s %s\n", r.path.c_str(), r.caps.caps.ToText().c_str());
      }
      break;
    case ScanRecord::Kind::kNoCaps:
      std::printf("%s\n", r.path.c_str());
      break;
    case ScanRecord::Kind::kNotRegular:
      std::printf("%s (Not a regular file)\n", r.path.c_str());
      break;
    case ScanRecord::Kind::kError:
      break;
  }
}

nlohmann::json RecordJson(const ScanRecord& r) {
  nlohmann::json j = nlohmann::json::object();
  SetPathJson(j, "path", r.path);
  switch (r.kind) {
    case ScanRecord::Kind::kCaps:
      j["capabilities"] = FileCapsJson(r.caps.caps);
      j["revision"] = r.caps.revision;
      break;
    case ScanRecord::Kind::kNoCaps:
      j["capabilities"] = nullptr;
      break;
    case ScanRecord::Kind::kNotRegular:
      j["regular"] = false;
      break;
    case ScanRecord::Kind::kError:
      j["error"] = r.error.message();
      break;
  }
  return j;
}

enum { kJson = 256, kOneFs, kThreads };

}  // namespace

const option kGetOptions[] = {
    {"recursive", no_argument, nullptr, 'r'},
    {"show-rootid", no_argument, nullptr, 'n'},
    {"verbose", no_argument, nullptr, 'v'},
    {"help", no_argument, nullptr, 'h'},
    {"json", no_argument, nullptr, kJson},
    {"one-file-system", no_argument, nullptr, kOneFs},
    {"threads", required_argument, nullptr, kThreads},
    {nullptr, 0, nullptr, 0},
};

int RunGet(int argc, char** argv) {
  GetOptions opt;
  optind = 1;
  for (int c; (c = getopt_long(argc, argv, "rnvh", kGetOptions, nullptr)) != -1;) {
    switch (c) {
      case 'r':
        opt.scan.recursive = true;
        break;
      case 'n':
        opt.show_rootid = true;
        break;
      case 'v':
        opt.scan.list_all = true;
        break;
      case 'h':
        std::fputs(kGetUsage, stdout);
        return kExitOk;
      case kJson:
        opt.json = true;
        break;
      case kOneFs:
        opt.scan.one_file_system = true;
        break;
      case kThreads: {
        char* end = nullptr;
        const long n = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || n < 1 || n > 64) {
          PrintError(std::string("--threads: expected a number from 1 to 64, got '") + optarg +
                     "'");
          return kExitUsage;
        }
        opt.scan.threads = static_cast<unsigned>(n);
        break;
      }
      default:
        std::fputs(kGetUsage, stderr);
        return kExitUsage;
    }
  }
  if (optind >= argc) {
    PrintError("get: no PATH given (try 'capctl get --help')");
    return kExitUsage;
  }
  const std::vector<std::string> roots(argv + optind, argv + argc);

  BufferStdout();
  size_t errors = 0;
  nlohmann::json files = nlohmann::json::array();
  nlohmann::json error_list = nlohmann::json::array();
  Scan(roots, opt.scan, [&](const ScanRecord& r) {
    if (r.kind == ScanRecord::Kind::kError) {
      ++errors;
      if (opt.json) {
        error_list.push_back(RecordJson(r));
      } else {
        std::fflush(stdout);  // keep stdout and stderr in order on a terminal
        PrintError(r.error.message());
      }
      return;
    }
    if (opt.json) {
      files.push_back(RecordJson(r));
    } else {
      PrintText(r, opt.show_rootid);
    }
  });
  if (opt.json) {
    const nlohmann::json doc = {{"files", files}, {"errors", error_list}};
    std::printf("%s\n", DumpJson(doc).c_str());
  }
  if (std::fflush(stdout) != 0) {
    PrintError("Failed to write the output");
    return kExitFailure;
  }
  return errors ? kExitFailure : kExitOk;
}

}  // namespace capset::capctl
