// SPDX-License-Identifier: LGPL-2.1-or-later
#include "test_util.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace capset::testing {
namespace {

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path);
  out << data;
}

}  // namespace

std::string CapctlPath() { return CAPSET_TEST_CAPCTL; }
std::string GeneratorPath() { return CAPSET_TEST_GENERATOR; }
std::string SourceDir() { return CAPSET_SOURCE_DIR; }

std::map<std::string, std::string> ReadTree(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); ++it) {
    const std::string rel = std::filesystem::relative(it->path(), dir).string();
    if (it->is_symlink()) {
      out[rel] = "-> " + std::filesystem::read_symlink(it->path()).string();
    } else if (it->is_regular_file()) {
      std::ifstream in(it->path());
      out[rel] = std::string(std::istreambuf_iterator<char>(in), {});
    }
  }
  return out;
}
std::string GetcapPath() { return "/usr/sbin/getcap"; }
std::string SetcapPath() { return "/usr/sbin/setcap"; }
bool IsRoot() { return ::geteuid() == 0; }

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input,
                         std::optional<uid_t> userns_root, const std::vector<std::string>& env) {
  int in[2], out[2], err[2], sync[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) ||
      ::pipe2(sync, O_CLOEXEC)) {
    return {};
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(sync[1]);
    if (userns_root) {
      if (::unshare(CLONE_NEWUSER) != 0) ::_exit(125);
      char c;
      if (::read(sync[0], &c, 1) != 1) ::_exit(125);  // parent wrote the maps
      if (::setresgid(0, 0, 0) != 0 || ::setresuid(0, 0, 0) != 0) ::_exit(125);
    }
    for (const auto& kv : env) ::putenv(const_cast<char*>(kv.c_str()));
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  ::close(sync[0]);
  if (userns_root) {
    // Wait until the child has its namespace, then map it.
    const std::string proc = "/proc/" + std::to_string(pid);
    for (int i = 0; i < 2000; ++i) {
      char a[64] = {}, b[64] = {};
      if (::readlink((proc + "/ns/user").c_str(), a, sizeof a - 1) > 0 &&
          ::readlink("/proc/self/ns/user", b, sizeof b - 1) > 0 && std::strcmp(a, b) != 0) {
        break;
      }
      ::usleep(1000);
    }
    const std::string map = "0 " + std::to_string(*userns_root) + " 65536\n";
    WriteFile(proc + "/setgroups", "deny");
    WriteFile(proc + "/uid_map", map);
    WriteFile(proc + "/gid_map", map);
    if (::write(sync[1], "x", 1) != 1) {
    }
  }
  ::close(sync[1]);
  if (!input.empty()) {
    if (::write(in[1], input.data(), input.size()) < 0) {
    }
  }
  ::close(in[1]);

  CommandResult r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    for (auto& p : fds) {
      if (p.fd < 0 || !(p.revents & (POLLIN | POLLHUP))) continue;
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n <= 0) {
        ::close(p.fd);
        p.fd = -1;
        --open_fds;
      } else {
        (p.fd == out[0] ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

ScratchDir::ScratchDir(Fs fs) {
  // /run is root-owned 0755 on Debian; the build tree may sit below a user's home.
  char tmpl[] = "/run/capset-test.XXXXXX";
  if (!IsRoot() || ::mkdtemp(tmpl) == nullptr) {
    skip_reason_ =
        "needs root (to create root-owned scratch directories and set file "
        "capabilities)";
    return;
  }
  base_ = tmpl;
  ::chmod(base_.c_str(), 0755);
  path_ = base_ + "/fs";
  ::mkdir(path_.c_str(), 0755);
  if (fs == Fs::kTmpfs || fs == Fs::kRamfs) {
    const char* type = fs == Fs::kTmpfs ? "tmpfs" : "ramfs";
    const char* opts = fs == Fs::kTmpfs ? "mode=0755,size=64m" : "mode=0755";
    if (::mount("capset-test", path_.c_str(), type, 0, opts) != 0) {
      skip_reason_ = std::string("cannot mount a ") + type + ": " + std::strerror(errno);
      return;
    }
    mounted_ = true;
  } else if (fs == Fs::kExt4) {
    struct statfs sfs {};
    image_ = base_ + "/ext4.img";
    const std::string mkfs = "truncate -s 64M " + image_ + " && mkfs.ext4 -q -F " + image_ +
                             " >/dev/null 2>&1 && mount -o loop " + image_ + " " + path_ +
                             " 2>/dev/null";
    if (std::system(mkfs.c_str()) == 0) {
      mounted_ = true;
      ::chmod(path_.c_str(), 0755);
    } else if (::statfs(base_.c_str(), &sfs) == 0 && sfs.f_type == 0xEF53) {
      // No loop devices here, but /run itself is ext4: use it.
    } else {
      skip_reason_ = "cannot loop-mount an ext4 image, and /run is not ext4";
    }
  }
}

ScratchDir::~ScratchDir() {
  if (base_.empty()) return;
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(base_, ec);
}

std::string ScratchDir::MakeFile(const std::string& name) const {
  const std::string p = *this / name;
  std::filesystem::copy_file("/bin/true", p, std::filesystem::copy_options::overwrite_existing);
  ::chmod(p.c_str(), 0755);
  return p;
}

std::string RawCapXattr(const std::string& path) {
  char buf[64];
  const ssize_t n = ::lgetxattr(path.c_str(), "security.capability", buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace capset::testing
