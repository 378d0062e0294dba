// SPDX-License-Identifier: LGPL-2.1-or-later
// The programs capctl audit knows by name. For each replaceable one: the smallest file
// capabilities it needs and where that is documented; for the others, why capabilities
// cannot stand in for set-user-ID root (they change identity, mount, or act for any user:
// the capabilities they would need are equivalent to root).
#include <algorithm>
#include <cstring>

#include "capset/audit.h"

namespace capset {
namespace {

// Sorted by name (checked once when the table is first used).
const KnownBinary kKnown[] = {
    {"Xorg.wrap", nullptr, "starts the X server as root for non-console users",
     "Xorg.wrap(1): the X server needs device access only root has"},
    {"arp-scan", "cap_net_raw=p", "sends raw ARP frames on a packet socket",
     "arp-scan(1) and upstream README: CAP_NET_RAW is all it needs"},
    {"arping", "cap_net_raw=p", "sends ARP requests on a packet socket",
     "iputils arping(8); Debian iputils-arping and Fedora iputils set cap_net_raw on it"},
    {"at", nullptr, "queues jobs to run as the calling user (writes the spool as daemon)",
     "at(1): set-user-ID daemon; its job files carry the caller's identity"},
    {"chage", nullptr, "reads /etc/shadow for the calling user", "chage(1), shadow-utils"},
    {"chfn", nullptr, "edits /etc/passwd on behalf of any user after authenticating them",
     "chfn(1): needs to write a root-owned file for arbitrary users"},
    {"chrome-sandbox", nullptr, "creates namespaces for the browser sandbox (CAP_SYS_ADMIN)",
     "Chromium linux/suid_sandbox: CAP_SYS_ADMIN is root-equivalent"},
    {"chsh", nullptr, "edits /etc/passwd on behalf of any user", "chsh(1)"},
    {"clockdiff", "cap_net_raw=p", "sends ICMP timestamp requests on a raw socket",
     "iputils clockdiff(8); Debian iputils-clockdiff and Fedora iputils set cap_net_raw"},
    {"crontab", nullptr, "writes the per-user crontab spool (set-group-ID crontab)",
     "crontab(1): group ownership of the spool, not a capability"},
    {"dbus-daemon-launch-helper", nullptr, "starts system services as their own users",
     "dbus-daemon(1): changes to arbitrary users (CAP_SETUID is root-equivalent)"},
    {"dumpcap", "cap_net_admin,cap_net_raw=eip", "captures packets and sets interfaces promiscuous",
     "Wireshark's capture privileges guide; Debian wireshark-common sets these capabilities"},
    {"expiry", nullptr, "reads /etc/shadow for the calling user", "expiry(1), shadow-utils"},
    {"fping", "cap_net_raw=p", "sends ICMP echo requests on a raw socket",
     "fping(8); Debian fping sets cap_net_raw on it"},
    {"fping6", "cap_net_raw=p", "sends ICMPv6 echo requests on a raw socket", "fping(8)"},
    {"fusermount", nullptr, "mounts FUSE filesystems for users (CAP_SYS_ADMIN)",
     "fusermount(1): mount(2) needs CAP_SYS_ADMIN, which is root-equivalent"},
    {"fusermount3", nullptr, "mounts FUSE filesystems for users (CAP_SYS_ADMIN)",
     "fusermount3(1): mount(2) needs CAP_SYS_ADMIN, which is root-equivalent"},
    {"gnome-keyring-daemon", "cap_ipc_lock=ep", "locks secrets in memory (mlock)",
     "gnome-keyring: Debian sets cap_ipc_lock on the daemon instead of set-user-ID"},
    {"gpasswd", nullptr, "edits /etc/group and /etc/gshadow for group administrators",
     "gpasswd(1)"},
    {"gst-ptp-helper", "cap_net_admin,cap_net_bind_service=ep",
     "binds the PTP ports 319/320 and joins multicast groups",
     "GStreamer's meson option ptp-helper-permissions=capabilities installs exactly these"},
    {"hping3", "cap_net_raw=ep", "crafts packets on raw sockets", "hping3(8): needs raw sockets"},
    {"iftop", "cap_net_raw=ep", "captures packets with libpcap",
     "iftop(8); libpcap live capture needs CAP_NET_RAW"},
    {"kismet_cap_linux_wifi", "cap_net_admin,cap_net_raw=eip",
     "puts Wi-Fi interfaces in monitor mode and captures",
     "Kismet documentation, 'suid-root capture' and Linux capabilities"},
    {"kwin_wayland", "cap_sys_nice=ep", "raises its own scheduling priority for the compositor",
     "KWin: Debian and Arch set CAP_SYS_NICE on kwin_wayland"},
    {"mount", nullptr, "mounts filesystems on behalf of users (fstab 'user')",
     "mount(8): CAP_SYS_ADMIN is root-equivalent"},
    {"mtr", "cap_net_raw=ep", "sends probes on raw sockets (mtr before 0.88)",
     "mtr(8); newer mtr moves this into mtr-packet"},
    {"mtr-packet", "cap_net_raw=ep", "sends probes on raw sockets",
     "mtr-packet(8); Debian mtr and mtr-tiny set cap_net_raw on it"},
    {"nethogs", "cap_net_admin,cap_net_raw=ep", "captures packets per process",
     "nethogs README: setcap cap_net_admin,cap_net_raw+ep"},
    {"netkit-rcp", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware: =ep",
     "Debian rsh-client's rcp; with =p it fails (rcmd: socket: Permission denied)"},
    {"netkit-rlogin", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware: =ep",
     "Debian rsh-client's rlogin; with =p it fails (rcmd: socket: Permission denied)"},
    {"netkit-rsh", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware: =ep",
     "Debian rsh-client's rsh; with =p it fails (rcmd: socket: Permission denied)"},
    {"newgidmap", "cap_setgid=ep", "writes gid_map of a user namespace",
     "newgidmap(1); Fedora shadow-utils installs it with %caps(cap_setgid=ep)"},
    {"newgrp", nullptr, "changes the group of the calling user's shell", "newgrp(1)"},
    {"newuidmap", "cap_setuid=ep", "writes uid_map of a user namespace",
     "newuidmap(1); Fedora shadow-utils installs it with %caps(cap_setuid=ep)"},
    {"nmap", "cap_net_admin,cap_net_bind_service,cap_net_raw=eip",
     "raw-packet scans (with --privileged)", "nmap(1), section on --privileged"},
    {"ntfs-3g", nullptr, "mounts NTFS volumes for users (CAP_SYS_ADMIN)",
     "ntfs-3g(8): a set-user-ID build is needed for user mounts"},
    {"passwd", nullptr, "writes /etc/shadow for any user after authenticating them", "passwd(1)"},
    {"ping", "cap_net_raw=p", "sends ICMP echo requests on a raw socket",
     "iputils ping(8); Debian iputils-ping sets cap_net_raw (or use net.ipv4.ping_group_range)"},
    {"ping6", "cap_net_raw=p", "sends ICMPv6 echo requests on a raw socket", "iputils ping(8)"},
    {"pkexec", nullptr, "runs programs as another user after polkit authorizes it",
     "pkexec(1): changes to arbitrary users"},
    {"polkit-agent-helper-1", nullptr, "authenticates any user through PAM",
     "polkit(8): reads /etc/shadow through PAM for arbitrary users"},
    {"pppd", nullptr, "configures network interfaces and runs scripts as root", "pppd(8)"},
    {"rcp", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware, so =ep",
     "rcmd(3)/rresvport(3): rshd trusts only privileged ports; =p fails"},
    {"rlogin", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware, so =ep",
     "rcmd(3)/rresvport(3): rshd trusts only privileged ports; =p fails"},
    {"rsh", "cap_net_bind_service=ep",
     "binds a reserved source port (< 1024); not capability-aware, so =ep",
     "rcmd(3)/rresvport(3): rshd trusts only privileged ports; =p fails"},
    {"ssh-agent", nullptr,
     "set-group-ID _ssh only so that other processes of the user cannot "
     "trace it; no privilege to replace",
     "ssh-agent(1); Debian openssh-client"},
    {"ssh-keysign", nullptr, "reads the host's private keys for host-based authentication",
     "ssh-keysign(8): reading root-only keys for any user"},
    {"su", nullptr, "becomes another user after authentication", "su(1)"},
    {"sudo", nullptr, "runs commands as other users per sudoers", "sudo(8)"},
    {"tcpdump", "cap_net_admin,cap_net_raw=eip", "captures packets",
     "tcpdump(8); libpcap live capture needs CAP_NET_RAW (CAP_NET_ADMIN for promiscuous mode)"},
    {"tcptraceroute", "cap_net_raw=ep", "sends TCP SYN probes on a raw socket", "tcptraceroute(1)"},
    {"traceroute", "cap_net_raw=ep", "ICMP and TCP probes (-I, -T) use raw sockets",
     "traceroute(8): the default UDP method needs nothing, -I and -T need CAP_NET_RAW"},
    {"traceroute6", "cap_net_raw=ep", "ICMP and TCP probes use raw sockets", "traceroute(8)"},
    {"umount", nullptr, "unmounts filesystems on behalf of users", "umount(8)"},
    {"unix_chkpwd", nullptr,
     "checks the calling user's password in /etc/shadow (set-group-ID "
     "shadow)",
     "pam_unix(8): group access to /etc/shadow, not a capability"},
    {"utempter", nullptr, "writes utmp and wtmp records for terminals (set-group-ID utmp)",
     "libutempter: group access to utmp, not a capability"},
    {"wall", nullptr, "writes to every terminal (set-group-ID tty)", "wall(1)"},
    {"write", nullptr, "writes to another user's terminal (set-group-ID tty)", "write(1)"},
};

bool ByName(const KnownBinary& a, const KnownBinary& b) { return std::strcmp(a.name, b.name) < 0; }

}  // namespace

const std::vector<KnownBinary>& KnownBinaries() {
  static const std::vector<KnownBinary> table = [] {
    std::vector<KnownBinary> t(std::begin(kKnown), std::end(kKnown));
    std::sort(t.begin(), t.end(), ByName);
    return t;
  }();
  return table;
}

const KnownBinary* FindKnownBinary(std::string_view name) {
  const auto& t = KnownBinaries();
  const std::string key(name);
  auto it =
      std::lower_bound(t.begin(), t.end(), key, [](const KnownBinary& k, const std::string& n) {
        return std::strcmp(k.name, n.c_str()) < 0;
      });
  return it != t.end() && key == it->name ? &*it : nullptr;
}

}  // namespace capset
