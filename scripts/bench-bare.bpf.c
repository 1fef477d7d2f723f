// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-bare.bpf.c - the least an agent that reads each namespace create
 * as it comes can do: one syscall tracepoint, one 4-byte record per
 * successful unshare(2), the reader woken for each.  scripts/bench-agent.sh
 * runs it next to nsmon: what nsmon costs beyond this is nsmon's own.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* the syscalls' exit tracepoints' record (a sys_exit_* event's format file) */
struct sys_exit_ctx {
	unsigned long long common;
	long nr;
	long ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} bare_rb SEC(".maps");

SEC("tracepoint/syscalls/sys_exit_unshare")
int bare_unshare(struct sys_exit_ctx *ctx)
{
	__u32 tgid;

	if (ctx->ret)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	bpf_ringbuf_output(&bare_rb, &tgid, sizeof(tgid), 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
