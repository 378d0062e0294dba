#include "capset/login_sources.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string_view>

#include "capset/fd.h"
#include "capset/policy_loader.h"
#include "capset/safe_path.h"

namespace capset {
namespace {

constexpr size_t kMaxConfSize = 4 << 20;
constexpr size_t kReadBuffer = 64 << 10;  // also the longest line

// Parses capability.conf at `path` into `out` if it exists (a missing file has no rules).
// The file is read through a fixed buffer, a piece of whole lines at a time: a 10,000-line
// file is read on every login, and a buffer the size of the file would cost page faults.
void LoadCapabilityConf(const std::string& path, bool require_trusted,
                        const LoginIdentity* only_for, LoginRules& out) {
  auto error = [&](const std::string& msg) {
    out.diagnostics.push_back({Diagnostic::Severity::kError, {path, 0, 0}, msg});
  };
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno != ENOENT) error(std::string("Failed to open: ") + std::strerror(errno));
    return;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return error("not a regular file");
  if (require_trusted) {
    // SECURITY: a capability.conf that another user can write is a grant to anyone.
    if (auto why = UntrustedReason(RealSys(), st)) {
      return error("refusing to use it: the file " + *why);
    }
  }
  if (static_cast<size_t>(st.st_size) > kMaxConfSize) {
    return error("larger than 4 MiB, refusing to read it");
  }
  CapabilityConfParser parser(path, only_for);
  const auto buf = std::make_unique_for_overwrite<char[]>(kReadBuffer);
  size_t held = 0, total = 0;  // held: the start of a line not yet complete
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.get() + held, kReadBuffer - held);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error(std::string("Failed to read: ") + std::strerror(errno));
    total += static_cast<size_t>(n);
    if (total > kMaxConfSize) return error("grew past 4 MiB while read, refusing it");
    const std::string_view data(buf.get(), held + static_cast<size_t>(n));
    if (n == 0) {  // end of file: the last line may lack its newline
      parser.Lines(data);
      break;
    }
    const size_t last_nl = data.rfind('\n');
    if (last_nl == std::string_view::npos) {
      if (data.size() == kReadBuffer) {
        // Fail closed: the rest of the line could be a rule for anyone.
        parser.Error("a line longer than " + std::to_string(kReadBuffer) + " bytes");
        break;
      }
      held = data.size();
      continue;
    }
    parser.Lines(data.substr(0, last_nl + 1));
    held = data.size() - (last_nl + 1);
    std::memmove(buf.get(), buf.get() + last_nl + 1, held);
  }
  LoginRules conf = std::move(parser).Finish();
  out.rules = std::move(conf.rules);
  out.diagnostics.insert(out.diagnostics.end(), conf.diagnostics.begin(), conf.diagnostics.end());
}

}  // namespace

LoginRules LoadLoginRules(const LoginSources& sources, const LoginIdentity* only_for) {
  LoginRules out;
  if (!sources.capability_conf.empty()) {
    LoadCapabilityConf(sources.capability_conf, sources.require_trusted, only_for, out);
  }
  if (sources.read_policy) {
    LoadedPolicy policy = LoadPolicyTree(sources.root);
    out.diagnostics.insert(out.diagnostics.end(), policy.diagnostics.begin(),
                           policy.diagnostics.end());
    LoginRules yaml = RulesFromPolicy(policy.policy);
    for (auto& r : yaml.rules) {
      if (only_for != nullptr && (!out.rules.empty() || !RuleMatches(r, *only_for))) continue;
      out.rules.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace capset
