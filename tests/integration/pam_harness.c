/* A PAM application for tests, written in C against the C surface: runs the real libpam with
 * a service file from a test directory (pam_start_confdir), calls authenticate and setcred as
 * login programs do, then prints the return codes and the process's resulting IAB.
 *   pam_harness CONFDIR SERVICE USER [end-silent]
 * Output: "auth=NAME setcred=NAME iab=TEXT"; with end-silent, pam_end(PAM_SUCCESS |
 * PAM_DATA_SILENT) runs before the IAB is read (what "defer" waits for). Run each case in its
 * own process: capabilities are per process. Messages the modules log with pam_syslog(3) are
 * also copied to stderr (openlog with LOG_PERROR), so tests can check them. */
#include <security/pam_appl.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <syslog.h>

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
  const int silent = argc > 4 && strcmp(argv[4], "end-silent") == 0;
  if (silent) pam_end(pamh, PAM_SUCCESS | PAM_DATA_SILENT);
  cap_iab_t iab = cap_iab_get_proc();
  char* text = cap_iab_to_text(iab);
  printf("auth=%s setcred=%s iab=%s\n", name(auth), name(cred), text);
  cap_free(text);
  cap_free(iab);
  if (!silent) pam_end(pamh, PAM_SUCCESS);
  return 0;
}
