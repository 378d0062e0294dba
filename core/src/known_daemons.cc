// SPDX-License-Identifier: LGPL-2.1-or-later
#include "capset/known_daemons.h"

namespace capset {

const std::vector<KnownDaemon>& KnownDaemons() {
  static const std::vector<KnownDaemon> kDaemons = {
      {"chrony.service", "chronyd", "chrony", nullptr,
       "cap_net_bind_service cap_sys_time cap_setuid cap_setgid", "time-sync",
       "/var/lib/chrony /var/log/chrony /run/chrony", "SystemCallFilter=@setuid", false, false,
       "sets the clock (CAP_SYS_TIME) and serves NTP on port 123 (CAP_NET_BIND_SERVICE); it "
       "switches to _chrony itself (-u), keeping CAP_SYS_TIME",
       "chronyd(8) -u; Debian chrony's _chrony user"},
      {"cron.service", "cron", "cron", nullptr,
       "cap_setuid cap_setgid cap_dac_override cap_dac_read_search cap_audit_write "
       "cap_audit_control cap_kill",
       "privsep-daemon", "", "", false, true,
       "runs each crontab as its owner (setuid/setgid, PAM's loginuid and audit records) and "
       "reads /var/spool/cron/crontabs (root:crontab 1730); root's own jobs get only these "
       "capabilities too",
       "cron(8); Debian's /etc/pam.d/cron"},
      {"dnsmasq.service", "dnsmasq", "dnsmasq", nullptr,
       "cap_net_bind_service cap_net_admin cap_net_raw cap_setuid cap_setgid", "network-daemon",
       "/var/lib/misc /run/dnsmasq", "SystemCallFilter=@setuid", false, false,
       "binds DNS/DHCP ports, sends raw DHCP replies and sets ARP entries, then switches to "
       "its user (--user) keeping only CAP_NET_ADMIN/CAP_NET_RAW",
       "dnsmasq(8) --user; dnsmasq's own capability handling (dnsmasq.c)"},
      {"nginx.service", "nginx", "nginx-common", nullptr,
       "cap_net_bind_service cap_setuid cap_setgid cap_dac_override", "network-daemon",
       "/var/log/nginx /var/lib/nginx /run", "SystemCallFilter=@setuid", false, false,
       "the master binds ports 80/443 and reads keys as root, then starts workers as www-data",
       "nginx's 'user' directive (core module documentation)"},
      {"proftpd.service", "proftpd", "proftpd-core", nullptr,
       "cap_net_bind_service cap_setuid cap_setgid cap_sys_chroot cap_chown cap_dac_override "
       "cap_dac_read_search cap_fowner cap_audit_write",
       "privsep-daemon", "/var/log/proftpd /var/log/wtmp /run", "", true, false,
       "binds port 21, switches to each logged-in user (setuid/setgid), chroots them "
       "(DefaultRoot), and writes their files and wtmp; users log into their home directories",
       "proftpd's mod_cap documentation; proftpd.conf(5) DefaultRoot"},
      {"rsyslog.service", "rsyslogd", "rsyslog", nullptr,
       "cap_syslog cap_chown cap_dac_override cap_fowner cap_net_bind_service", "network-daemon",
       "/var/log /var/spool/rsyslog /run", "ProtectKernelLogs=no;ProcSubset=all;SystemCallFilter=@chown sched_setscheduler sched_setparam", false, false,
       "reads the kernel log (imklog: CAP_SYSLOG, /proc/kmsg), creates log files owned "
       "root:adm (FileGroup adm: CAP_CHOWN) and may listen on port 514; its queue workers set "
       "their scheduling (sched_setscheduler): where a filter refuses that, nothing is written",
       "rsyslog.conf(5) imklog, $FileGroup; Debian's /etc/rsyslog.conf; measured in "
       "tests/integration/nspawn_audit_services_test.sh"},
      {"ssh.service", "sshd", "openssh-server", nullptr,
       "cap_chown cap_dac_override cap_dac_read_search cap_fowner cap_kill cap_setgid "
       "cap_setuid cap_net_bind_service cap_sys_chroot cap_audit_write cap_audit_control",
       "privsep-daemon", "", "", true, true,
       "privilege separation needs root: it chroots its pre-authentication child to "
       "/run/sshd, switches to the logged-in user, owns their tty and reads their "
       "~/.ssh/authorized_keys; sessions (and sudo in them) get only these capabilities",
       "sshd(8) PRIVILEGE SEPARATION; Debian's /etc/pam.d/sshd (pam_loginuid)"},
      {"vsftpd.service", "vsftpd", "vsftpd", nullptr,
       "cap_net_bind_service cap_setuid cap_setgid cap_sys_chroot cap_chown cap_dac_override "
       "cap_dac_read_search cap_audit_write",
       "privsep-daemon", "/var/log /run", "", true, false,
       "binds port 21, switches to each user, chroots them (chroot_local_user)",
       "vsftpd.conf(5) chroot_local_user; vsftpd's own capability use (sysdeputil.c)"},
  };
  return kDaemons;
}

const KnownDaemon* FindKnownDaemon(std::string_view unit, std::string_view exec) {
  for (const KnownDaemon& d : KnownDaemons()) {
    if (unit == d.unit) return &d;
  }
  const size_t slash = exec.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? exec : exec.substr(slash + 1);
  if (base.empty()) return nullptr;
  for (const KnownDaemon& d : KnownDaemons()) {
    if (base == d.program) return &d;
  }
  return nullptr;
}

}  // namespace capset
