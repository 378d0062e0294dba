// SPDX-License-Identifier: LGPL-2.1-or-later
// capset's profiler, in the kernel: every capability check made by a traced task (the process
// tree capctl profile started, or followed), aggregated here by what user space needs to
// classify it, so that a busy program costs a map update per check, not an event.
//
// Attached (BTF-enabled raw tracepoints, no kprobes): cap_capable (the check and its verdict;
// the system call it happened in is the task's orig_ax), sys_exit (that call's result, and
// what the call was: its arguments are still in the registers; no sys_enter, so that a traced
// system call runs one program, not two),
// sched_process_fork and sched_process_exit (the tree; a task's state goes with the task,
// and what it still counts goes to the map when it exits), and for a systemd unit
// cgroup_mkdir (its cgroup, found when systemd creates it) and sched_process_exec (its
// processes, from the moment they exec the service's program: what systemd does for it
// before, as root, is not the service's). Compiled once at build time (CO-RE, vmlinux.h from
// the build machine's BTF); loaded with the bpftool skeleton (core/src/sys/profile_tracer.cc).
//
// Alongside the checks, what a hardening template needs to know about the same tasks: the
// system calls they made, the address families of their sockets, and the paths they wrote.
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";  // the kernel's helpers for tracing want a GPL program

#define MAX_CHECKS 16384
#define PENDING 4   // checks remembered per task until its system call returns
#define STACK_DEPTH 12
// Kernel stacks are taken for the first STACK_SAMPLES checks of each kind (capability,
// verdict, system call, flags, command); later ones count under stack -2 ("sampled"): a stack
// walk costs more than everything else a check costs here, and a million mmaps have one call
// site.
#define STACK_SAMPLES 16
#define STACK_SAMPLED (-2)
#define FLUSH_EVERY 64

// Flags of a check.
#define CHECK_OTHER_CRED 1   // on a credential that is not the task's own (e.g. a file's opener)
#define CHECK_USER_NS 2      // against a user namespace other than the initial one

struct check_key {
  __u32 cap;
  __s32 ret;      // 0: granted; -EPERM: denied
  __s32 syscall;  // the system call in progress, -1 if none
  __s32 stack;    // kernel stack id (stacks map), -errno if it could not be taken
  __u32 flags;
  char comm[16];
};

struct check_value {
  __u64 count;
  __u64 syscall_failed;  // times the system call then returned an error
  __s64 last_result;     // the system call's last result
  __u32 pid;             // a task that made it
  __u32 pad;
};

// A check's kind: its key without the stack.
struct kind_key {
  __u32 cap;
  __s32 ret;
  __s32 syscall;
  __u32 flags;
  char comm[16];
};

#define PATH_MAX_LEN 256
// What a path was written for (path_key.op).
#define PATH_WRITE 1    // a file opened for writing or truncated
#define PATH_CREATE 2   // an entry created, removed or renamed: its directory is written
#define PATH_MAYBE 3    // opened with O_CREAT: the file, or its directory if it was created
#define PATH_DIRFD 0x100  // relative to a directory descriptor other than the working one

struct path_key {
  __u32 op;
  char path[PATH_MAX_LEN];
};

struct task_state {
  __u32 pending;
  struct check_key keys[PENDING];
  // The task's last check whose stack was not taken (STACK_SAMPLED): a check of the same kind
  // has the same key, so it is counted here without touching the kinds and checks maps (a
  // million mmaps are a million such checks), and added to the checks map every
  // FLUSH_EVERY checks, when another such check comes, and when the task exits.
  struct check_key last;
  __u32 last_valid;
  __u32 last_in_call;  // a check of `last` in the system call in progress
  __u64 last_hits;     // checks of `last` not yet in the checks map
  __u64 last_failed;   // of their system calls, those that failed
  __s64 last_result;   // the last one's result
  // A path read at sys_exit of a call that succeeded, then counted: laid out as a
  // struct path_key, so that it is the paths map's key as it is.
  __u32 path_op;
  char path[PATH_MAX_LEN];
};

// Globals (__u64/__u32 only: the skeleton is compiled as C++).
// A systemd unit (capctl profile --unit): its cgroup is `unit_name` (NUL-padded) created in
// the cgroup `unit_parent` (its slice); `target_cgroup` is set from user space when the
// cgroup exists already, here when systemd creates it. A task in it that execs is traced.
__u64 unit_parent = 0;
__u64 unit_name[16] = {};
__u64 target_cgroup = 0;
__u64 families = 0;           // address families of socket(2)/socketpair(2), a bit per AF_*
__u64 syscalls_used[8] = {};  // system calls made, a bit per x86_64 number below 512
__u64 lost_paths = 0;         // written paths not recorded (the map was full)
__u64 lost_checks = 0;    // checks not counted (a map was full)
__u64 lost_tasks = 0;     // tasks not followed (a map was full)
__u64 capset_calls = 0;
__u64 capset_effective = 0;  // effective bits the tree asked for in capset(2)
__u64 capset_permitted = 0;  // permitted bits the tree asked for in capset(2)

// The traced tasks: storage in the task itself (found from the task, no hash lookup: every
// system call of every process on the machine passes through sys_exit), created for
// the command's process by user space (through a pidfd) and for its children at fork; freed
// with the task.
struct {
  __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, int);
  __type(value, struct task_state);
} tasks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_CHECKS);
  __type(key, struct check_key);
  __type(value, struct check_value);
} checks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, MAX_CHECKS);
  __type(key, struct kind_key);
  __type(value, __u64);  // stacks taken for this kind
} kinds SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct path_key);
  __type(value, __u32);  // a task that wrote it
} paths SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 16384);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

static __always_inline int same_comm(const char* a, const char* b) {
  // As 32-bit words: comm is 4-byte aligned in the keys (at offset 20).
  const __u32* x = (const __u32*)a;
  const __u32* y = (const __u32*)b;
  return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

// Adds the checks counted in the task's state (the fast path) to the checks map.
static void flush_last(struct task_state* t) {
  if (!t->last_valid || !t->last_hits) return;
  struct check_value* v = bpf_map_lookup_elem(&checks, &t->last);
  if (v) {
    __sync_fetch_and_add(&v->count, t->last_hits);
    if (t->last_failed) __sync_fetch_and_add(&v->syscall_failed, t->last_failed);
    v->last_result = t->last_result;
  } else {
    __sync_fetch_and_add(&lost_checks, t->last_hits);
  }
  t->last_hits = 0;
  t->last_failed = 0;
}

// The current task's state if it is traced.
static struct task_state* traced(struct task_struct* task) {
  return bpf_task_storage_get(&tasks, task, 0, 0);
}

// Starts tracing `task` (no-op if it is traced already).
static void follow(struct task_struct* task) {
  struct task_state* t = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
  if (!t) {
    __sync_fetch_and_add(&lost_tasks, 1);
    return;
  }
}

// The system calls that write a path (x86_64): which argument is the path, which the
// directory descriptor it is relative to (-1: none), and what is written.
// The system call's argument N (0-3), read only when needed: each read is a helper call, and
// sys_exit runs for every system call of the traced tasks.
static __always_inline unsigned long arg_of(struct pt_regs* regs, int n) {
  switch (n) {
    case 0:
      return PT_REGS_PARM1_CORE_SYSCALL(regs);
    case 1:
      return PT_REGS_PARM2_CORE_SYSCALL(regs);
    case 2:
      return PT_REGS_PARM3_CORE_SYSCALL(regs);
    default:
      return PT_REGS_PARM4_CORE_SYSCALL(regs);
  }
}

static void path_syscall(struct task_state* t, struct pt_regs* regs, long id) {
  int path = -1, dirfd = -1, flags_arg = -1;
  __u32 op = PATH_CREATE;
  unsigned long flags = 0;
  switch (id) {
    case 2:  // open(path, flags)
      path = 0, flags_arg = 1, op = 0;
      break;
    case 257:  // openat(dirfd, path, flags)
      path = 1, dirfd = 0, flags_arg = 2, op = 0;
      break;
    case 437: {  // openat2(dirfd, path, how): how->flags first
      __u64 how_flags = 0;
      if (bpf_probe_read_user(&how_flags, sizeof how_flags, (void*)arg_of(regs, 2)) != 0) return;
      path = 1, dirfd = 0, flags = how_flags, op = 0;
      break;
    }
    case 76:  // truncate(path)
      path = 0, op = PATH_WRITE;
      break;
    case 85:  // creat
    case 83:  // mkdir
    case 84:  // rmdir
    case 87:  // unlink
    case 133:  // mknod
      path = 0;
      break;
    case 258:  // mkdirat(dirfd, path)
    case 263:  // unlinkat(dirfd, path)
    case 259:  // mknodat(dirfd, path)
      path = 1, dirfd = 0;
      break;
    case 82:  // rename(old, new)
    case 86:  // link(old, new)
    case 88:  // symlink(target, linkpath)
      path = 1;
      break;
    case 266:  // symlinkat(target, dirfd, linkpath)
      path = 2, dirfd = 1;
      break;
    case 264:  // renameat(olddirfd, old, newdirfd, new)
    case 316:  // renameat2
    case 265:  // linkat
      path = 3, dirfd = 2;
      break;
    default:
      return;
  }
  if (flags_arg >= 0) flags = arg_of(regs, flags_arg);
  if (op == 0) {  // open: O_WRONLY 01, O_RDWR 02, O_CREAT 0100, O_TRUNC 01000, O_TMPFILE
    if (flags & 020000000) {
      op = PATH_CREATE;  // O_TMPFILE: a file in this directory
    } else if (flags & 0100) {
      op = (flags & 0200) ? PATH_CREATE : PATH_MAYBE;  // O_EXCL: it is created
    } else if (flags & (01 | 02 | 01000)) {
      op = PATH_WRITE;
    } else {
      return;
    }
  }
  if (path < 0 || path > 3) return;
  __builtin_memset(t->path, 0, sizeof t->path);  // the key is the whole buffer
  if (bpf_probe_read_user_str(t->path, sizeof t->path, (void*)arg_of(regs, path)) <= 0) return;
  if (t->path[0] != '/' && dirfd >= 0 && (int)arg_of(regs, dirfd) != -100) op |= PATH_DIRFD;
  t->path_op = op;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(on_cap_capable, const struct cred* cred, struct user_namespace* target_ns,
             const struct user_namespace* capable_ns, int cap, int ret) {
  struct task_struct* task = bpf_get_current_task_btf();
  struct task_state* t = traced(task);
  if (!t) return 0;
  __u32 pid = (__u32)bpf_get_current_pid_tgid();
  struct check_key key = {};
  key.cap = (__u32)cap;
  key.ret = ret;
  // The system call in progress: orig_ax of the task's user registers (x86_64; -1 when the
  // kernel was entered otherwise). No sys_enter program: one program less per system call.
  const struct pt_regs* uregs = (const struct pt_regs*)bpf_task_pt_regs(task);
  const long nr = uregs ? uregs->orig_ax : -1;
  key.syscall = nr >= 0 && nr < 512 ? (__s32)nr : -1;
  // Direct loads through the BTF pointers the tracepoint and bpf_get_current_task_btf() give
  // (no helper call: this runs for every check).
  if (task->cred != cred) key.flags |= CHECK_OTHER_CRED;
  // Where the privilege came from: for a granted check, the namespace the capability was
  // found in (the initial one: the host's capability granted it, e.g. setns into a child
  // namespace); for a refused one, the task's own namespace.
  const struct user_namespace* from =
      ret == 0 ? capable_ns : (const struct user_namespace*)cred->user_ns;
  if (from && from->level != 0) key.flags |= CHECK_USER_NS;
  bpf_get_current_comm(key.comm, sizeof key.comm);

  // The fast path: the same kind as the last sampled check, in a system call.
  if (t->last_valid && key.syscall >= 0 && t->last.cap == key.cap && t->last.ret == key.ret &&
      t->last.syscall == key.syscall && t->last.flags == key.flags &&
      same_comm(t->last.comm, key.comm)) {
    t->last_hits++;
    t->last_in_call = 1;
    return 0;
  }
  struct kind_key kind = {.cap = key.cap, .ret = key.ret, .syscall = key.syscall,
                          .flags = key.flags};
  __builtin_memcpy(kind.comm, key.comm, sizeof kind.comm);
  __u64* taken = bpf_map_lookup_elem(&kinds, &kind);
  if (taken && *taken >= STACK_SAMPLES) {
    key.stack = STACK_SAMPLED;
  } else {
    key.stack = (__s32)bpf_get_stackid(ctx, &stacks, BPF_F_FAST_STACK_CMP);
    if (taken) {
      __sync_fetch_and_add(taken, 1);
    } else {
      __u64 one = 1;
      bpf_map_update_elem(&kinds, &kind, &one, BPF_NOEXIST);
    }
  }

  struct check_value* v = bpf_map_lookup_elem(&checks, &key);
  if (!v) {
    struct check_value zero = {};
    if (bpf_map_update_elem(&checks, &key, &zero, BPF_NOEXIST) != 0 &&
        !bpf_map_lookup_elem(&checks, &key)) {
      __sync_fetch_and_add(&lost_checks, 1);
      return 0;
    }
    v = bpf_map_lookup_elem(&checks, &key);
    if (!v) return 0;
  }
  __sync_fetch_and_add(&v->count, 1);
  v->pid = pid;
  if (key.syscall >= 0 && t->pending < PENDING) {
    __u32 i = t->pending;
    if (i < PENDING) t->keys[i] = key;
    t->pending = i + 1;
  }
  if (key.stack == STACK_SAMPLED) {
    flush_last(t);
    t->last = key;
    t->last_valid = 1;
  }
  return 0;
}

// What a system call that returned tells about the task, besides its checks: recorded at
// sys_exit, where its arguments are still in `regs` (and the call's result is known).
static void record_call(struct task_state* t, struct pt_regs* regs, long id, long result) {
  if (id >= 0 && id < 512) {
    const __u64 bit = 1ULL << (id & 63);
    const __u32 word = (__u32)(id >> 6) & 7;
    if (!(syscalls_used[word] & bit)) __sync_fetch_and_or(&syscalls_used[word], bit);
  }
  if (id == 41 || id == 53) {  // socket(2), socketpair(2): the family
    const unsigned long family = PT_REGS_PARM1_CORE_SYSCALL(regs);
    if (family < 64 && !(families & (1ULL << family))) {
      __sync_fetch_and_or(&families, 1ULL << family);
    }
    return;
  }
  if (result >= 0) path_syscall(t, regs, id);
  if (id == 126) {  // capset(2) on x86_64: what the program asks for, checked or not
    struct {
      __u32 version;
      __s32 pid;
    } header = {};
    struct {
      __u32 effective, permitted, inheritable;
    } data[2] = {};
    unsigned long headerp = PT_REGS_PARM1_CORE_SYSCALL(regs);
    unsigned long datap = PT_REGS_PARM2_CORE_SYSCALL(regs);
    if (!headerp || bpf_probe_read_user(&header, sizeof header, (void*)headerp) != 0) return;
    // _LINUX_CAPABILITY_VERSION_1 has one 32-bit set, versions 2 and 3 two.
    int words = header.version == 0x19980330 ? 1
                : (header.version == 0x20071026 || header.version == 0x20080522) ? 2 : 0;
    if (words == 0 || header.pid != 0) return;
    int read = words == 1 ? bpf_probe_read_user(&data, sizeof data[0], (void*)datap)
                          : bpf_probe_read_user(&data, sizeof data, (void*)datap);
    if (datap && read == 0) {
      __sync_fetch_and_add(&capset_calls, 1);
      __sync_fetch_and_or(&capset_effective,
                          (__u64)data[0].effective | ((__u64)data[1].effective << 32));
      __sync_fetch_and_or(&capset_permitted,
                          (__u64)data[0].permitted | ((__u64)data[1].permitted << 32));
    }
  }
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs* regs, long result) {
  struct task_state* t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
  if (!t) return 0;
  const long id = regs->orig_ax;
  t->path_op = 0;
  record_call(t, regs, id, result);
  if (t->last_in_call) {
    t->last_in_call = 0;
    t->last_result = result;
    if (result < 0) t->last_failed++;
    if (t->last_hits >= FLUSH_EVERY) flush_last(t);
  }
  if (t->path_op) {
    if (result >= 0) {
      struct path_key* key = (struct path_key*)&t->path_op;  // op, then path: the same layout
      __u32 pid = (__u32)bpf_get_current_pid_tgid();
      if (bpf_map_update_elem(&paths, key, &pid, BPF_ANY) != 0) {
        __sync_fetch_and_add(&lost_paths, 1);
      }
    }
    t->path_op = 0;
  }
  if (t->pending == 0) return 0;
  __u32 n = t->pending;
  for (__u32 i = 0; i < PENDING; i++) {
    if (i >= n) break;
    struct check_value* v = bpf_map_lookup_elem(&checks, &t->keys[i]);
    if (!v) continue;
    v->last_result = result;
    if (result < 0) __sync_fetch_and_add(&v->syscall_failed, 1);
  }
  t->pending = 0;
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct* parent, struct task_struct* child) {
  if (!bpf_task_storage_get(&tasks, parent, 0, 0)) return 0;
  follow(child);
  return 0;
}

// A traced task exits: what its state still counts goes to the map.
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct* p) {
  struct task_state* t = bpf_task_storage_get(&tasks, bpf_get_current_task_btf(), 0, 0);
  if (t) flush_last(t);
  return 0;
}

// systemd created a cgroup: the unit's, if it is named so in its slice.
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(on_cgroup_mkdir, struct cgroup* cgrp, const char* path) {
  if (!unit_parent) return 0;
  // A cgroup's own css is its first member: its parent css is the parent cgroup.
  struct cgroup* parent = (struct cgroup*)BPF_CORE_READ(cgrp, self.parent);
  if (!parent || BPF_CORE_READ(parent, kn, id) != unit_parent) return 0;
  __u64 name[16] = {};
  const char* kn_name = BPF_CORE_READ(cgrp, kn, name);
  if (bpf_probe_read_kernel_str(name, sizeof name, kn_name) <= 0) return 0;
  for (int i = 0; i < 16; i++) {
    if (name[i] != unit_name[i]) return 0;
  }
  target_cgroup = BPF_CORE_READ(cgrp, kn, id);
  return 0;
}

// A task of the unit's cgroup execs: the service's program (or what it runs) from here on.
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct* p, pid_t old_pid, struct linux_binprm* bprm) {
  if (!target_cgroup || bpf_get_current_cgroup_id() != target_cgroup) return 0;
  struct task_struct* task = bpf_get_current_task_btf();
  if (traced(task)) return 0;
  // systemd >= 255 execs systemd-executor first, which sets the service up as root and then
  // execs its program: that program, not the executor, is the service.
  char comm[16] = {};
  bpf_get_current_comm(comm, sizeof comm);
  const char executor[] = "systemd-executo";
  int same = 1;
  for (int i = 0; i < 15; i++) {
    if (comm[i] != executor[i]) same = 0;
  }
  if (same) return 0;
  follow(task);
  return 0;
}
