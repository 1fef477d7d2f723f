/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * work.h - the answers that may wait (on a sweep, on the agent's next
 * view), made by worker threads so that libmicrohttpd's polling threads,
 * which serve every connection, never wait: the connection is suspended
 * while its answer is made, the worker queues the answer on it (allowed
 * on a suspended connection) and resumes it.
 */
#ifndef NSMON_WORK_H
#define NSMON_WORK_H

#include <pthread.h>
#include <stdbool.h>

struct job {
	struct job *next;
	/* the worker's; the job is not touched after it returns */
	void (*run)(struct job *j);
};

struct work {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* a job came, or stop */
	struct job *head, **tail;
	pthread_t *threads;
	int nthreads;
	bool stop;
};

/* Starts n workers.  0 or -errno. */
int work_init(struct work *w, int n);
/* Hands j to a worker; -ESHUTDOWN once work_stop() began. */
int work_push(struct work *w, struct job *j);
/* Runs what is queued, then joins the workers; idempotent. */
void work_stop(struct work *w);

#endif
