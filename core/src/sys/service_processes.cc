// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/service_processes.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

namespace capset {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Link(const std::string& path) {
  char buf[256];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// "0100007F" (IPv4, one little-endian word) or 32 hex digits (IPv6, four of them).
std::string Address(const std::string& hex) {
  unsigned char bytes[16] = {};
  const size_t words = hex.size() / 8;
  if (words != 1 && words != 4) return hex;
  for (size_t w = 0; w < words; ++w) {
    const uint32_t v =
        static_cast<uint32_t>(std::strtoul(hex.substr(w * 8, 8).c_str(), nullptr, 16));
    for (size_t b = 0; b < 4; ++b) bytes[w * 4 + b] = static_cast<unsigned char>(v >> (8 * b));
  }
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes, text, sizeof(text));
  return text;
}

uint64_t Hex(const std::string& field) { return std::strtoull(field.c_str(), nullptr, 16); }

}  // namespace

std::vector<std::string> CgroupsOfProcess(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string& line : Lines(text)) {
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1);
    const std::string path = line.substr(b + 1);
    const bool unified = line.compare(0, a, "0") == 0 && controllers.empty();
    if ((unified || controllers == "name=systemd") && !path.empty()) out.push_back(path);
  }
  return out;
}

std::map<uint64_t, ListeningSocket> ParseSocketTable(std::string_view text,
                                                     const std::string& protocol) {
  std::map<uint64_t, ListeningSocket> out;
  const bool tcp = protocol.rfind("tcp", 0) == 0;
  bool header = true;
  for (const std::string& line : Lines(text)) {
    if (header) {
      header = false;
      continue;
    }
    std::istringstream in(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(in >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode)) {
      continue;
    }
    if (tcp ? state != "0A" : state != "07") continue;  // LISTEN; unconnected UDP
    const size_t colon = local.find(':');
    if (colon == std::string::npos) continue;
    const uint64_t ino = std::strtoull(inode.c_str(), nullptr, 10);
    if (ino == 0) continue;
    out[ino] = {protocol, Address(local.substr(0, colon)),
                static_cast<unsigned>(Hex(local.substr(colon + 1)))};
  }
  return out;
}

Result<std::vector<ServiceProcess>> ReadProcesses(const std::string& proc) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(proc.c_str()), ::closedir);
  if (!dir) {
    return Status(Code::kIoError, "Failed to open '" + proc + "': " + std::strerror(errno));
  }
  std::vector<ServiceProcess> out;
  std::map<std::string, std::map<uint64_t, ListeningSocket>> sockets_by_netns;
  while (const dirent* e = ::readdir(dir.get())) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string base = proc + "/" + e->d_name;
    const std::string status = ReadSmallFile(base + "/status");
    if (status.empty()) continue;  // it ended
    ServiceProcess p;
    p.pid = static_cast<pid_t>(pid);
    for (const std::string& line : Lines(status)) {
      std::istringstream in(line);
      std::string key;
      in >> key;
      if (key == "Name:") {
        std::getline(in >> std::ws, p.comm);
      } else if (key == "Uid:") {
        in >> p.uid >> p.euid;
      } else if (key == "Gid:") {
        in >> p.gid >> p.egid;
      } else if (key == "CapInh:" || key == "CapPrm:" || key == "CapEff:" || key == "CapBnd:" ||
                 key == "CapAmb:") {
        std::string v;
        in >> v;
        uint64_t& field = key == "CapInh:"   ? p.inheritable
                          : key == "CapPrm:" ? p.permitted
                          : key == "CapEff:" ? p.effective
                          : key == "CapBnd:" ? p.bounding
                                             : p.ambient;
        field = Hex(v);
      }
    }
    p.cgroups = CgroupsOfProcess(ReadSmallFile(base + "/cgroup"));
    // Its sockets: the tables of its network namespace (read once), by the inodes of its fds.
    std::set<uint64_t> inodes;
    if (std::unique_ptr<DIR, int (*)(DIR*)> fds(::opendir((base + "/fd").c_str()), ::closedir);
        fds) {
      while (const dirent* f = ::readdir(fds.get())) {
        const std::string target = Link(base + "/fd/" + f->d_name);
        if (target.rfind("socket:[", 0) == 0) {
          inodes.insert(std::strtoull(target.c_str() + 8, nullptr, 10));
        }
      }
    }
    if (!inodes.empty()) {
      const std::string netns = Link(base + "/ns/net");
      auto [it, fresh] = sockets_by_netns.try_emplace(netns);
      if (fresh) {
        for (const char* protocol : {"tcp", "tcp6", "udp", "udp6"}) {
          for (auto& [ino, s] :
               ParseSocketTable(ReadSmallFile(base + "/net/" + protocol), protocol)) {
            it->second.emplace(ino, s);
          }
        }
      }
      for (uint64_t ino : inodes) {
        auto s = it->second.find(ino);
        if (s != it->second.end()) p.listening.push_back(s->second);
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<ServiceProcess> ProcessesIn(const std::vector<ServiceProcess>& all,
                                        const std::string& cgroup) {
  std::vector<ServiceProcess> out;
  if (cgroup.empty() || cgroup == "/") return out;
  auto in = [&](const std::string& c) {
    return c == cgroup || (c.size() > cgroup.size() && c.compare(0, cgroup.size(), cgroup) == 0 &&
                           c[cgroup.size()] == '/');
  };
  for (const ServiceProcess& p : all) {
    if (std::any_of(p.cgroups.begin(), p.cgroups.end(), in)) out.push_back(p);
  }
  return out;
}

}  // namespace capset
