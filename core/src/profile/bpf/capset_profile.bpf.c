// SPDX-License-Identifier: LGPL-2.1-or-later
// capset's profiler, in the kernel: every capability check made by a traced task (the process
// tree capctl profile started, or followed), aggregated here by what user space needs to
// classify it, so that a busy program costs a map update per check, not an event.
//
// Attached (BTF-enabled raw tracepoints, no kprobes): cap_capable (the check and its verdict),
// sys_enter/sys_exit (the system call it happened in, and that call's result),
// sched_process_fork/exit (the tree). Compiled once at build time (CO-RE, vmlinux.h from the
// build machine's BTF); loaded with the bpftool skeleton (core/src/sys/profile_tracer.cc).
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";  // the kernel's helpers for tracing want a GPL program

#define MAX_TASKS 65536
#define MAX_CHECKS 16384
#define PENDING 4   // checks remembered per task until its system call returns
#define STACK_DEPTH 16

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

struct task_state {
  __s32 syscall;
  __u32 pending;
  struct check_key keys[PENDING];
};

// Globals (__u64/__u32 only: the skeleton is compiled as C++).
__u32 target_cgroup_set = 0;
__u64 target_cgroup = 0;  // with target_cgroup_set: trace every task in this cgroup v2
__u64 lost_checks = 0;    // checks not counted (a map was full)
__u64 lost_tasks = 0;     // tasks not followed (a map was full)
__u64 capset_calls = 0;
__u64 capset_effective = 0;  // effective bits the tree asked for in capset(2)
__u64 capset_permitted = 0;  // permitted bits the tree asked for in capset(2)

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_TASKS);
  __type(key, __u32);  // pid (thread id)
  __type(value, struct task_state);
} tasks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_CHECKS);
  __type(key, struct check_key);
  __type(value, struct check_value);
} checks SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_STACK_TRACE);
  __uint(max_entries, 16384);
  __uint(key_size, sizeof(__u32));
  __uint(value_size, STACK_DEPTH * sizeof(__u64));
} stacks SEC(".maps");

// A task to trace: one already in `tasks`, or one in the target cgroup (then added).
static struct task_state* traced(__u32 pid) {
  struct task_state* t = bpf_map_lookup_elem(&tasks, &pid);
  if (t || !target_cgroup_set) return t;
  if (bpf_get_current_cgroup_id() != target_cgroup) return 0;
  struct task_state fresh = {.syscall = -1};
  if (bpf_map_update_elem(&tasks, &pid, &fresh, BPF_NOEXIST) != 0) {
    __sync_fetch_and_add(&lost_tasks, 1);
    return 0;
  }
  return bpf_map_lookup_elem(&tasks, &pid);
}

SEC("tp_btf/cap_capable")
int BPF_PROG(on_cap_capable, const struct cred* cred, struct user_namespace* target_ns,
             const struct user_namespace* capable_ns, int cap, int ret) {
  __u32 pid = (__u32)bpf_get_current_pid_tgid();
  struct task_state* t = traced(pid);
  if (!t) return 0;
  struct check_key key = {};
  key.cap = (__u32)cap;
  key.ret = ret;
  key.syscall = t->syscall;
  key.stack = (__s32)bpf_get_stackid(ctx, &stacks, 0);
  struct task_struct* task = bpf_get_current_task_btf();
  if ((const struct cred*)BPF_CORE_READ(task, cred) != cred) key.flags |= CHECK_OTHER_CRED;
  if (BPF_CORE_READ(target_ns, level) != 0) key.flags |= CHECK_USER_NS;
  bpf_get_current_comm(key.comm, sizeof key.comm);

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
  if (t->syscall >= 0 && t->pending < PENDING) {
    __u32 i = t->pending;
    if (i < PENDING) t->keys[i] = key;
    t->pending = i + 1;
  }
  return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_sys_enter, struct pt_regs* regs, long id) {
  __u32 pid = (__u32)bpf_get_current_pid_tgid();
  struct task_state* t = traced(pid);
  if (!t) return 0;
  t->syscall = (__s32)id;
  t->pending = 0;
  if (id == 126) {  // capset(2) on x86_64: what the program asks for, checked or not
    struct {
      __u32 effective, permitted, inheritable;
    } data[2] = {};
    unsigned long datap = PT_REGS_PARM2_CORE_SYSCALL(regs);
    if (datap && bpf_probe_read_user(&data, sizeof data, (void*)datap) == 0) {
      __sync_fetch_and_add(&capset_calls, 1);
      __sync_fetch_and_or(&capset_effective,
                          (__u64)data[0].effective | ((__u64)data[1].effective << 32));
      __sync_fetch_and_or(&capset_permitted,
                          (__u64)data[0].permitted | ((__u64)data[1].permitted << 32));
    }
  }
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs* regs, long result) {
  __u32 pid = (__u32)bpf_get_current_pid_tgid();
  struct task_state* t = bpf_map_lookup_elem(&tasks, &pid);
  if (!t) return 0;
  __u32 n = t->pending;
  for (__u32 i = 0; i < PENDING; i++) {
    if (i >= n) break;
    struct check_value* v = bpf_map_lookup_elem(&checks, &t->keys[i]);
    if (!v) continue;
    v->last_result = result;
    if (result < 0) __sync_fetch_and_add(&v->syscall_failed, 1);
  }
  t->pending = 0;
  t->syscall = -1;
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct* parent, struct task_struct* child) {
  __u32 ppid = (__u32)BPF_CORE_READ(parent, pid);
  if (!bpf_map_lookup_elem(&tasks, &ppid)) return 0;
  __u32 cpid = (__u32)BPF_CORE_READ(child, pid);
  // The child returns from the same fork/clone: it is in that system call already.
  struct task_state fresh = {.syscall = -1};
  if (bpf_map_update_elem(&tasks, &cpid, &fresh, BPF_ANY) != 0) {
    __sync_fetch_and_add(&lost_tasks, 1);
  }
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct* task, bool group_dead) {
  __u32 pid = (__u32)BPF_CORE_READ(task, pid);
  bpf_map_delete_elem(&tasks, &pid);
  return 0;
}
