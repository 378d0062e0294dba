#include "capset/login_sources.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capset/fd.h"
#include "capset/policy_loader.h"
#include "capset/safe_path.h"

namespace capset {
namespace {

// Reads `path` if it exists; nullopt text means "no such file". Errors become diagnostics.
std::optional<std::string> ReadConf(const std::string& path, bool require_trusted,
                                    std::vector<Diagnostic>& diags) {
  auto error = [&](const std::string& msg) {
    diags.push_back({Diagnostic::Severity::kError, {path, 0, 0}, msg});
    return std::nullopt;
  };
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::nullopt;
    return error(std::string("Failed to open: ") + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return error("not a regular file");
  if (require_trusted) {
    // SECURITY: a capability.conf that another user can write is a grant to anyone.
    if (auto why = UntrustedReason(RealSys(), st)) {
      return error("refusing to use it: the file " + *why);
    }
  }
  if (st.st_size > (4 << 20)) return error("larger than 4 MiB, refusing to read it");
  std::string text(static_cast<size_t>(st.st_size), '\0');
  const ssize_t n = ::read(fd.get(), text.data(), text.size());
  if (n < 0) return error(std::string("Failed to read: ") + std::strerror(errno));
  text.resize(static_cast<size_t>(n));
  return text;
}

}  // namespace

LoginRules LoadLoginRules(const LoginSources& sources, const LoginIdentity* only_for) {
  LoginRules out;
  if (!sources.capability_conf.empty()) {
    if (auto text = ReadConf(sources.capability_conf, sources.require_trusted, out.diagnostics)) {
      LoginRules conf = ParseCapabilityConf(*text, sources.capability_conf, only_for);
      out.rules = std::move(conf.rules);
      out.diagnostics.insert(out.diagnostics.end(), conf.diagnostics.begin(),
                             conf.diagnostics.end());
    }
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
