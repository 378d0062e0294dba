// SPDX-License-Identifier: LGPL-2.1-or-later
// The floor of reading a policy file: libyaml's event stream over FILE, nothing built from it
// (bench/policy_apply.sh prints it beside the no-op apply, which must at least scan the same
// text). Prints the best of ROUNDS scans in microseconds; exit 1 if FILE is not valid YAML.
//   yaml_scan FILE [ROUNDS]
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

static long long NowUs(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: yaml_scan FILE [ROUNDS]\n");
    return 2;
  }
  FILE* f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  const long size = ftell(f);
  rewind(f);
  unsigned char* text = malloc((size_t)size + 1);
  if (!text || fread(text, 1, (size_t)size, f) != (size_t)size) return 1;
  fclose(f);
  int rounds = argc > 2 ? atoi(argv[2]) : 5;
  if (rounds < 1) rounds = 1;
  long long best = -1;
  for (int r = 0; r < rounds; r++) {
    const long long t0 = NowUs();
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, text, (size_t)size);
    for (int done = 0; !done;) {
      yaml_event_t e;
      if (!yaml_parser_parse(&p, &e)) {
        fprintf(stderr, "%s: not YAML: %s\n", argv[1], p.problem ? p.problem : "?");
        return 1;
      }
      done = e.type == YAML_STREAM_END_EVENT;
      yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    const long long t = NowUs() - t0;
    if (best < 0 || t < best) best = t;
  }
  printf("%lld\n", best);
  return 0;
}
