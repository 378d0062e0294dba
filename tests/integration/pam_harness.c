// SPDX-License-Identifier: LGPL-2.1-or-later
/* A PAM application for tests, written in C against the C surface: runs the real libpam with
 * a service file from a test directory (pam_start_confdir), calls authenticate and setcred as
 * login programs do, then prints the return codes and the process's resulting IAB.
 *   pam_harness CONFDIR SERVICE USER [end-silent | session-setuid=UID | session-noend=UID]
 * Output: "auth=NAME setcred=NAME iab=TEXT"; with end-silent, pam_end(PAM_SUCCESS |
 * PAM_DATA_SILENT) runs before the IAB is read (what "defer" waits for). The session modes
 * do what a login program's child does after pam_open_session: setuid(UID), then (not with
 * session-noend, which is what sshd's session process and systemd's (sd-pam) do)
 * pam_end(PAM_SUCCESS | PAM_DATA_SILENT), and no exec; they add "session=NAME prm=HEX
 * eff=HEX amb=HEX keepcaps=0|1" — what the process then holds. Run each case in its
 * own process: capabilities are per process. Messages the modules log with pam_syslog(3) are
 * also copied to stderr (openlog with LOG_PERROR), so tests can check them. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <syslog.h>
#include <unistd.h>

/* The Cap* line NAME of /proc/self/status, as hex text. */
static void status_field(const char* field, char* out, size_t size) {
  FILE* f = fopen("/proc/self/status", "re");
  char line[256];
  snprintf(out, size, "?");
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':') {
      snprintf(out, size, "%.16s", line + strlen(field) + 2);
    }
  }
  if (f) fclose(f);
}

static int conv(int n, const struct pam_message** msg, struct pam_response** resp, void* data) {
  (void)n, (void)msg, (void)resp, (void)data;
  return PAM_CONV_ERR;
}

static const char* name(int code) {
  switch (code) {
    case PAM_SUCCESS: return "SUCCESS";
    case PAM_IGNORE: return "IGNORE";
    case PAM_AUTH_ERR: return "AUTH_ERR";
    case PAM_USER_UNKNOWN: return "USER_UNKNOWN";
    case PAM_SERVICE_ERR: return "SERVICE_ERR";
    case PAM_PERM_DENIED: return "PERM_DENIED";
    case PAM_AUTHINFO_UNAVAIL: return "AUTHINFO_UNAVAIL";
    case PAM_CRED_ERR: return "CRED_ERR";
    case PAM_BUF_ERR: return "BUF_ERR";
    default: return "OTHER";
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: pam_harness CONFDIR SERVICE USER [end-silent]\n");
    return 2;
  }
  openlog("pam_harness", LOG_PERROR, LOG_AUTHPRIV);
  struct pam_conv c = {conv, NULL};
  pam_handle_t* pamh = NULL;
  int r = pam_start_confdir(argv[2], argv[3], &c, argv[1], &pamh);
  if (r != PAM_SUCCESS) {
    fprintf(stderr, "pam_start_confdir: %d\n", r);
    return 1;
  }
  const int auth = pam_authenticate(pamh, 0);
  const int cred = pam_setcred(pamh, PAM_ESTABLISH_CRED);
  const char* mode = argc > 4 ? argv[4] : "";
  const int setuid_end = strncmp(mode, "session-setuid=", 15) == 0;
  const int setuid_noend = strncmp(mode, "session-noend=", 14) == 0;
  if (setuid_end || setuid_noend) {
    const int session = pam_open_session(pamh, 0);
    const uid_t uid = (uid_t)strtoul(strchr(mode, '=') + 1, NULL, 10);
    if (setgid(uid) != 0 || setuid(uid) != 0) {
      perror("setuid");
      return 1;
    }
    if (setuid_end) pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
    char prm[32], eff[32], amb[32];
    status_field("CapPrm", prm, sizeof prm);
    status_field("CapEff", eff, sizeof eff);
    status_field("CapAmb", amb, sizeof amb);
    printf("auth=%s setcred=%s session=%s prm=%s eff=%s amb=%s keepcaps=%d\n", name(auth),
           name(cred), name(session), prm, eff, amb, prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
    /* Measured: now only free the handle (not silent: nothing deferred is applied). */
    if (setuid_noend) pam_end(pamh, PAM_SUCCESS);
    return 0;
  }
  const int silent = strcmp(mode, "end-silent") == 0;
  if (silent) pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
  cap_iab_t iab = cap_iab_get_proc();
  char* text = cap_iab_to_text(iab);
  printf("auth=%s setcred=%s iab=%s\n", name(auth), name(cred), text);
  cap_free(text);
  cap_free(iab);
  if (!silent) pam_end(pamh, PAM_SUCCESS);
  return 0;
}
