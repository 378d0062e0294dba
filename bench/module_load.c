// SPDX-License-Identifier: LGPL-2.1-or-later
// Prints how long one dlopen(RTLD_NOW) of the module named by argv[1] takes, in ns: mapping
// it and the libraries it needs, relocating, running its constructors. bench/pam_cycle.sh runs
// it in a fresh process per sample, for pam_capset.so and pam_cap.so, to show what of a cold
// PAM cycle is the module's load alone.
#include <dlfcn.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: module_load MODULE.so\n");
    return 2;
  }
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  void* h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  if (h == NULL) {
    fprintf(stderr, "module_load: %s\n", dlerror());
    return 1;
  }
  printf("%ld\n", (long)(b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec));
  return 0;
}
