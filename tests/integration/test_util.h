// SPDX-License-Identifier: LGPL-2.1-or-later
// Helpers for integration tests: running the real binaries, scratch directories that pass
// capset's trust checks, real tmpfs and ext4 mounts.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace capset::testing {

struct CommandResult {
  int exit_code = -1;  ///< exit status, or 128+signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (a path) with argv, feeding `input` to stdin. If `userns_root` is set, the
/// child runs as root of a new user namespace whose uid/gid 0..65535 map to
/// userns_root..userns_root+65535 outside (needs root).
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "",
                         std::optional<uid_t> userns_root = std::nullopt,
                         const std::vector<std::string>& env = {});

/// The source tree (for test data and unit-templates/).
std::string SourceDir();
std::string GeneratorPath();

/// Every regular file below `dir`, as relative path -> contents (symlinks as "-> target").
std::map<std::string, std::string> ReadTree(const std::string& dir);

/// Paths of the binaries under test and of libcap's reference tools.
std::string CapctlPath();
std::string GetcapPath();
std::string SetcapPath();

bool IsRoot();

/// How many times a statistical test that starts a process per attempt repeats, given its
/// count in a plain build. Under AddressSanitizer every process start costs ~150 ms instead
/// of ~10 ms (shadow memory, the leak check at exit), so the sanitizer build runs a fifth of
/// the attempts: it is there to find memory errors on the same code paths, while the GCC
/// build runs the full count for the statistics.
constexpr int SubprocessRepeats(int full) {
#if CAPSET_TEST_SANITIZED
  return full / 5;
#else
  return full;
#endif
}

/// A directory only root can change (0755, root-owned ancestors), removed on destruction,
/// optionally with a fresh filesystem mounted on it.
class ScratchDir {
 public:
  enum class Fs { kAny, kTmpfs, kExt4, kRamfs };
  explicit ScratchDir(Fs fs = Fs::kAny);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  /// Empty if usable; otherwise why not (for GTEST_SKIP).
  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  /// Creates a root-owned 0755 copy of /bin/true at `name` and returns its path.
  std::string MakeFile(const std::string& name) const;

 private:
  std::string base_;
  std::string path_;
  std::string image_;
  bool mounted_ = false;
  std::string skip_reason_;
};

/// The raw security.capability of `path` (not following symlinks), or "" if none.
std::string RawCapXattr(const std::string& path);

/// Replaces every occurrence of `from` in `s` by `to`.
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to);

}  // namespace capset::testing
