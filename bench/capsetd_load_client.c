// SPDX-License-Identifier: LGPL-2.1-or-later
// The load generator of bench/capsetd_load.sh: CLIENTS processes (uid/gid 65534 in group
// 4243, as the policy's admin group), each one connection to capsetd calling in a loop until
// CALLS calls are made in all, every tenth an io.capset.Files.Apply and the others Verify.
// Written in C so that 32 of them leave the 2 CPUs to the daemon being measured (the same
// clients in Python spent as much CPU per call as capsetd did). Prints the calls, the
// throughput, the errors and the latencies the clients saw (p50, p99, max).
// The clock starts when every client is connected and has had one GetInfo answered (not
// counted), all released at once: the calls are timed, not the forks of 32 processes and
// the daemon accepting their connections, which fell on each client's first call, an Apply.
//   capsetd_load_client SOCKET CLIENTS CALLS
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double Now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

// One call and its whole reply; 1 if it succeeded (a reply of parameters, with "ok":true
// where `want_ok`).
static int CallFor(int fd, const char* method, char* buf, size_t size, int want_ok) {
  char msg[128];
  const int n = snprintf(msg, sizeof msg, "{\"method\":\"%s\",\"parameters\":{}}", method);
  if (send(fd, msg, (size_t)n + 1, MSG_NOSIGNAL) != n + 1) return 0;
  size_t got = 0;
  while (got == 0 || buf[got - 1] != '\0') {
    if (got == size) return 0;
    const ssize_t r = recv(fd, buf + got, size - got, 0);
    if (r <= 0) return 0;
    got += (size_t)r;
  }
  // Inside a JSON string a quote is escaped, so this can only be the reply's own key.
  return strncmp(buf, "{\"parameters\":", 14) == 0 &&
         (!want_ok || strstr(buf, "\"ok\":true") != NULL);
}

static int Call(int fd, const char* method, char* buf, size_t size) {
  return CallFor(fd, method, buf, size, 1);
}

// `ready`: written once connected and answered; `go`: its end of file releases the calls.
static int Client(const char* path, int calls, int out, int ready, int go) {
  const gid_t admin = 4243;
  if (setgroups(1, &admin) != 0 || setgid(65534) != 0 || setuid(65534) != 0) return 1;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  if (connect(fd, (struct sockaddr*)&addr, sizeof addr) != 0) return 1;
  static char buf[1 << 20];
  if (!CallFor(fd, "org.varlink.service.GetInfo", buf, sizeof buf, 0)) return 1;
  char c;
  if (write(ready, "r", 1) != 1 || read(go, &c, 1) != 0) return 1;
  double* lat = calloc((size_t)calls + 1, sizeof *lat);
  for (int i = 0; i < calls; ++i) {
    const double t = Now();
    const int ok = Call(fd, i % 10 == 0 ? "io.capset.Files.Apply" : "io.capset.Files.Verify", buf,
                        sizeof buf);
    lat[i] = (Now() - t) * 1000;
    if (!ok) lat[i] = -lat[i] - 1e-9;  // an error: negative
  }
  const char* p = (const char*)lat;
  for (size_t left = (size_t)calls * sizeof *lat; left > 0;) {
    const ssize_t w = write(out, p, left);
    if (w <= 0) return 1;
    p += w;
    left -= (size_t)w;
  }
  return 0;
}

static int ByValue(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s SOCKET CLIENTS CALLS\n", argv[0]);
    return 2;
  }
  const int clients = atoi(argv[2]), total = atoi(argv[3]);
  const int per = (total + clients - 1) / clients;
  int* pipes = calloc((size_t)clients, sizeof *pipes);
  pid_t* pids = calloc((size_t)clients, sizeof *pids);
  int ready[2], go[2];
  if (pipe(ready) != 0 || pipe(go) != 0) return 1;
  for (int c = 0; c < clients; ++c) {
    int p[2];
    if (pipe(p) != 0) return 1;
    pids[c] = fork();
    if (pids[c] == 0) {
      close(p[0]);
      close(ready[0]);
      close(go[1]);
      _exit(Client(argv[1], per, p[1], ready[1], go[0]));
    }
    close(p[1]);
    pipes[c] = p[0];
  }
  close(ready[1]);
  close(go[0]);
  // Every client connected and answered once (or gone: end of file), then all at once.
  char r;
  for (int c = 0; c < clients && read(ready[0], &r, 1) == 1; ++c) {
  }
  const double start = Now();
  close(go[1]);
  double* lat = calloc((size_t)clients * (size_t)per, sizeof *lat);
  // The same latencies by method (each client's call i is an Apply when i % 10 == 0).
  double* by[2] = {calloc((size_t)clients * (size_t)per, sizeof(double)),
                   calloc((size_t)clients * (size_t)per, sizeof(double))};
  size_t by_n[2] = {0, 0};
  size_t n = 0;
  int errors = 0;
  for (int c = 0; c < clients; ++c) {
    char* p = (char*)(lat + n);
    size_t got = 0;
    ssize_t r;
    while ((r = read(pipes[c], p + got, (size_t)per * sizeof *lat - got)) > 0) got += (size_t)r;
    int status = 0;
    waitpid(pids[c], &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fprintf(stderr, "a client failed\n");
    const size_t mine = got / sizeof *lat;
    errors += per - (int)mine;  // a client that failed to start counts all its calls
    // Failed calls are counted, and kept out of the latencies and the throughput: a call
    // cut short by a dropped connection must not look fast.
    size_t kept = n;
    for (size_t i = n; i < n + mine; ++i) {
      if (lat[i] < 0) {
        ++errors;
      } else {
        const int apply = (i - n) % 10 == 0;
        by[apply][by_n[apply]++] = lat[i];
        lat[kept++] = lat[i];
      }
    }
    n = kept;
  }
  const double seconds = Now() - start;
  qsort(lat, n, sizeof *lat, ByValue);
#define PCT(p) (n ? lat[(size_t)((double)n * (p) / 100) < n ? (size_t)((double)n * (p) / 100) : n - 1] : 0)
  printf("capsetd load (C clients): %zu good calls from %d clients in %.2f s (%.0f/s), errors: %d; "
         "latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (target p99 <= 5 ms)\n",
         n, clients, seconds, (double)n / seconds, errors, PCT(50), PCT(99), n ? lat[n - 1] : 0);
  for (int apply = 0; apply < 2; ++apply) {
    qsort(by[apply], by_n[apply], sizeof(double), ByValue);
    const size_t k = by_n[apply];
    printf("  %s calls: %zu, p50 %.2f ms, p99 %.2f ms\n", apply ? "Apply" : "Verify", k,
           k ? by[apply][k / 2] : 0, k ? by[apply][k * 99 / 100] : 0);
  }
  return errors ? 1 : 0;
}
