// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench-bare.c - the reader of scripts/bench-bare.bpf.c: loads it, prints
 * the pid of each record as a line (flushed per read of the ring, as
 * nsmon does), until SIGINT or SIGTERM.
 *
 *   bench-bare OBJECT
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(unsigned int))
		printf("%u\n", *(unsigned int *)data);
	return 0;
}

/*
 * A syscall tracepoint's id is read from tracefs, which a fresh machine
 * may not have mounted: mount it as nsmon watch does (a bench run before
 * any watch found nothing to attach to).
 */
static void ensure_tracefs(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st))
		(void)mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct ring_buffer *rb;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-bare OBJECT\n");
		return 2;
	}
	ensure_tracefs();
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "bench-bare: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	prog = bpf_object__find_program_by_name(obj, "bare_unshare");
	link = err || !prog ? NULL : bpf_program__attach(prog);
	rb = link ? ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "bare_rb"),
				     on_record, NULL, NULL) : NULL;
	if (!rb) {
		fprintf(stderr, "bench-bare: cannot load and attach %s\n", argv[1]);
		bpf_link__destroy(link);
		bpf_object__close(obj);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	while (!stop) {
		err = ring_buffer__poll(rb, -1);
		if (err < 0 && err != -EINTR)
			break;
		fflush(stdout);
	}
	ring_buffer__free(rb);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return err < 0 && err != -EINTR ? 1 : 0;
}
