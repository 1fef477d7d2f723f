// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * work.c - a FIFO of jobs and the threads that run them (work.h).  The
 * queue is unbounded: libmicrohttpd's connection limit bounds it (one
 * job per suspended connection).
 */
#include <errno.h>
#include <stdlib.h>

#include "work.h"

static void *worker(void *arg)
{
	struct work *w = arg;
	struct job *j;

	pthread_mutex_lock(&w->lock);
	for (;;) {
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		j = w->head;
		if (!j)
			break;
		w->head = j->next;
		if (!w->head)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->lock);
		j->run(j);
		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int work_init(struct work *w, int n)
{
	int err = 0;

	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->head = NULL;
	w->tail = &w->head;
	w->stop = false;
	w->nthreads = 0;
	w->threads = calloc(n, sizeof(*w->threads));
	if (!w->threads)
		return -ENOMEM;
	for (; w->nthreads < n; w->nthreads++) {
		err = -pthread_create(&w->threads[w->nthreads], NULL, worker, w);
		if (err)
			break;
	}
	if (err)
		work_stop(w);
	return err;
}

int work_push(struct work *w, struct job *j)
{
	int err = 0;

	j->next = NULL;
	pthread_mutex_lock(&w->lock);
	if (w->stop) {
		err = -ESHUTDOWN;
	} else {
		*w->tail = j;
		w->tail = &j->next;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	return err;
}

void work_stop(struct work *w)
{
	int i;

	if (!w->threads)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	for (i = 0; i < w->nthreads; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	w->threads = NULL;
}
