// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/sandbox_fit.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace capset {
namespace {

std::string Dirname(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

// What ProtectSystem= and ProtectHome= make read-only (or hide), and PrivateTmp= private.
struct Protection {
  std::vector<std::string> read_only;
  std::vector<std::string> hidden;
  bool private_tmp = false;
};

bool Yes(const std::string& v) { return ParseUnitBoolean(v).value_or(false); }

Protection ProtectionOf(const std::vector<std::pair<std::string, std::string>>& settings) {
  std::string system, home;
  Protection p;
  for (const auto& [key, value] : settings) {
    if (key == "ProtectSystem") system = value;
    if (key == "ProtectHome") home = value;
    if (key == "PrivateTmp") p.private_tmp = Yes(value);
  }
  p.read_only = ReadOnlyUnderProtectSystem(system);
  if (home == "read-only") {
    p.read_only.insert(p.read_only.end(), {"/home", "/root", "/run/user"});
  } else if (Yes(home) || home == "tmpfs") {
    p.hidden = {"/home", "/root", "/run/user"};
  }
  return p;
}

}  // namespace

std::string NormalizePath(const std::string& path, const std::string& cwd) {
  const std::string whole = !path.empty() && path[0] == '/' ? path : cwd + "/" + path;
  std::vector<std::string> parts;
  std::istringstream in(whole);
  for (std::string part; std::getline(in, part, '/');) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string AddressFamilyName(int family) {
  static const std::map<int, const char*> kNames = {
      {1, "AF_UNIX"},     {2, "AF_INET"},      {3, "AF_AX25"},     {4, "AF_IPX"},
      {5, "AF_APPLETALK"}, {6, "AF_NETROM"},   {7, "AF_BRIDGE"},   {8, "AF_ATMPVC"},
      {9, "AF_X25"},      {10, "AF_INET6"},    {11, "AF_ROSE"},    {12, "AF_DECnet"},
      {13, "AF_NETBEUI"}, {14, "AF_SECURITY"}, {15, "AF_KEY"},     {16, "AF_NETLINK"},
      {17, "AF_PACKET"},  {19, "AF_ECONET"},   {20, "AF_ATMSVC"},  {21, "AF_RDS"},
      {23, "AF_IRDA"},    {24, "AF_PPPOX"},    {25, "AF_WANPIPE"}, {26, "AF_LLC"},
      {27, "AF_IB"},      {28, "AF_MPLS"},     {29, "AF_CAN"},     {30, "AF_TIPC"},
      {31, "AF_BLUETOOTH"}, {32, "AF_IUCV"},   {33, "AF_RXRPC"},   {34, "AF_ISDN"},
      {35, "AF_PHONET"},  {36, "AF_IEEE802154"}, {37, "AF_CAIF"},  {38, "AF_ALG"},
      {39, "AF_NFC"},     {40, "AF_VSOCK"},    {41, "AF_KCM"},     {42, "AF_QIPCRTR"},
      {43, "AF_SMC"},     {44, "AF_XDP"},      {45, "AF_MCTP"}};
  auto it = kNames.find(family);
  return it != kNames.end() ? it->second : "AF_" + std::to_string(family);
}

std::vector<std::string> AddressFamilyNames(uint64_t families) {
  std::vector<std::string> out;
  for (int f = 0; f < 64; ++f) {
    if (families & (uint64_t{1} << f)) out.push_back(AddressFamilyName(f));
  }
  return out;
}

std::string SuggestTemplate(const TracedRun& run) {
  constexpr uint64_t kInet = (uint64_t{1} << 2) | (uint64_t{1} << 10);
  return (run.address_families & kInet) ? "network-daemon" : "strict";
}

SandboxNeeds FitTemplate(const TracedRun& run,
                         const std::vector<std::pair<std::string, std::string>>& settings,
                         const SyscallGroups& groups, const SandboxContext& context) {
  SandboxNeeds out;
  // Paths.
  const Protection protection = ProtectionOf(settings);
  std::vector<std::string> always = {"/dev", "/proc", "/sys"};
  if (protection.private_tmp) always.insert(always.end(), {"/tmp", "/var/tmp"});
  for (const auto& w : context.writable) always.push_back(NormalizePath(w, "/"));
  std::set<std::string> wanted;
  std::set<std::string> hidden;
  uint64_t unresolved = 0;
  for (const WrittenPath& w : run.written) {
    if (w.relative_to_dirfd) {
      ++unresolved;
      continue;
    }
    const std::string path = NormalizePath(w.path, context.working_directory);
    std::string need = path;
    if (w.use == PathUse::kCreate ||
        (w.use == PathUse::kMaybeCreate && !(context.exists && context.exists(path)))) {
      need = Dirname(path);
    }
    if (std::any_of(always.begin(), always.end(),
                    [&](const std::string& d) { return PathIsBelow(need, d); })) {
      continue;
    }
    if (std::any_of(protection.hidden.begin(), protection.hidden.end(),
                    [&](const std::string& d) { return PathIsBelow(need, d); })) {
      hidden.insert(need);
      continue;
    }
    if (std::any_of(protection.read_only.begin(), protection.read_only.end(),
                    [&](const std::string& d) { return PathIsBelow(need, d); })) {
      wanted.insert(need);
    }
  }
  // Two entries or more of one directory: the directory (a service that writes several files
  // there writes others next time).
  std::map<std::string, int> per_dir;
  for (const std::string& p : wanted) ++per_dir[Dirname(p)];
  for (const auto& [dir, n] : per_dir) {
    if (n < 2 || dir == "/") continue;
    for (auto it = wanted.begin(); it != wanted.end();) {
      it = Dirname(*it) == dir ? wanted.erase(it) : std::next(it);
    }
    wanted.insert(dir);
  }
  for (const std::string& p : wanted) {
    const bool covered = std::any_of(out.read_write_paths.begin(), out.read_write_paths.end(),
                                     [&](const std::string& d) { return PathIsBelow(p, d); });
    if (!covered) out.read_write_paths.push_back(p);  // sorted: a parent comes first
  }
  for (const std::string& h : hidden) {
    out.notes.push_back("it wrote " + h + ", which ProtectHome= hides: set ProtectHome=no or "
                        "read-only with ReadWritePaths=");
  }
  if (unresolved) {
    out.notes.push_back(std::to_string(unresolved) +
                        " written paths were relative to a directory descriptor and are not "
                        "resolved: check ReadWritePaths= for them");
  }
  if (run.lost_paths) {
    out.notes.push_back(std::to_string(run.lost_paths) +
                        " written paths were not recorded (the kernel map was full)");
  }

  // Address families and system calls.
  UnitListSetting families, filter;
  bool private_network = false;
  auto as_is = [](const std::string& w) { return std::vector<std::string>{w}; };
  auto expand = [&](const std::string& w) { return ExpandSyscalls(groups, w); };
  for (const auto& [key, value] : settings) {
    if (key == "RestrictAddressFamilies") {
      if (value == "none") {
        families = UnitListSetting();
        families.set = families.allow_list = true;
      } else {
        families.Assign(value, as_is);
      }
    } else if (key == "SystemCallFilter") {
      filter.Assign(value, expand, {"@default"});
    } else if (key == "PrivateNetwork") {
      private_network = Yes(value);
    }
  }
  for (const std::string& f : AddressFamilyNames(run.address_families)) {
    if (!families.Allows(f)) out.address_families.push_back(f);
  }
  constexpr uint64_t kInet = (uint64_t{1} << 2) | (uint64_t{1} << 10);
  if (private_network && (run.address_families & kInet)) {
    out.notes.push_back("it used IPv4/IPv6 sockets, but PrivateNetwork= gives it no network: "
                        "choose a template with network access");
  }
  if (filter.set && groups.empty()) {
    out.notes.push_back("systemd's system call groups are unknown (systemd-analyze "
                        "syscall-filter did not run): SystemCallFilter= was not checked");
  } else {
    for (int nr : run.syscalls) {
      const std::string name = SyscallName(nr);
      if (name.rfind("syscall ", 0) == 0) continue;
      if (!filter.Allows(name)) out.syscalls.push_back(name);
    }
  }
  return out;
}

}  // namespace capset
