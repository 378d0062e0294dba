// SPDX-License-Identifier: LGPL-2.1-or-later
/* Times N full PAM cycles (pam_start_confdir, pam_authenticate, pam_setcred, pam_end) with
 * the service file SERVICE in CONFDIR, for USER. Prints microseconds per cycle.
 *   pam_cycle CONFDIR SERVICE USER N */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int conv(int n, const struct pam_message** m, struct pam_response** r, void* d) {
  (void)n, (void)m, (void)r, (void)d;
  return PAM_CONV_ERR;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: pam_cycle CONFDIR SERVICE USER N\n");
    return 2;
  }
  const long n = atol(argv[4]);
  struct pam_conv c = {conv, NULL};
  int bad = 0;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; ++i) {
    pam_handle_t* pamh = NULL;
    if (pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh) != PAM_SUCCESS) return 1;
    if (pam_authenticate(pamh, 0) != PAM_SUCCESS) bad++;
    if (pam_setcred(pamh, PAM_ESTABLISH_CRED) != PAM_SUCCESS) bad++;
    pam_end(pamh, PAM_SUCCESS);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  const double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
  const double us = ns / 1e3 / (double)n;
  printf("%.1f\n", us);
  if (bad) fprintf(stderr, "pam_cycle: %d calls did not return PAM_SUCCESS\n", bad);
  return bad ? 1 : 0;
}
