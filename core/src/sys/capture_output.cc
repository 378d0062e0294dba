// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/capture_output.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "capset/fd.h"

namespace capset {

Result<std::string> CaptureOutput(const std::vector<std::string>& argv, size_t limit) {
  if (argv.empty()) return Status(Code::kInvalidArgument, "no program to run");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return FromErrno(errno, "create a pipe");
  Fd out_r(pipe_fds[0]), out_w(pipe_fds[1]);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t child = fork();
  if (child < 0) return FromErrno(errno, "fork to run", argv[0]);
  if (child == 0) {
    const int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0 ||
        dup2(out_w.get(), STDOUT_FILENO) < 0) {
      _exit(127);
    }
    execvp(args[0], args.data());
    _exit(127);
  }
  out_w.Reset(-1);
  std::string text;
  char buf[8192];
  for (;;) {
    const ssize_t n = read(out_r.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() < limit) text.append(buf, std::min(static_cast<size_t>(n), limit - text.size()));
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return FromErrno(errno, "wait for", argv[0]);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status(Code::kIoError, "'" + argv[0] + "' failed (exit status " +
                                      std::to_string(WIFEXITED(status) ? WEXITSTATUS(status)
                                                                       : 128 + WTERMSIG(status)) +
                                      ")");
  }
  return text;
}

}  // namespace capset
