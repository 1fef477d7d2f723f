// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * dl.c - loading a library at its first use for a shim (nsm_dl.h): once, all
 * its symbols or none, and the one line that says why not.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "nsm_dl.h"

void nsm_dl_open(struct nsm_dl *dl)
{
	/*
	 * RTLD_LOCAL: its symbols do not join the global scope, where they
	 * would meet the shim's of the same names; RTLD_NOW: a missing
	 * symbol fails here, once, not at some call later.
	 */
	void *h = dlopen(dl->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	for (i = 0; h && i < dl->nsyms; i++) {
		dl->syms[i] = dlsym(h, dl->names[i]);
		if (!dl->syms[i])
			break;
	}
	if (h && i == dl->nsyms)
		return;
	/* dlerror() names the file and the reason (not found, a symbol) */
	snprintf(dl->why, sizeof(dl->why), "%s (Debian package %s)",
		 dlerror(), dl->package);
	for (; i > 0; i--)
		dl->syms[i - 1] = NULL;
	if (h)
		dlclose(h);
	dl->err = -ELIBACC;
}

int nsm_dl_load(struct nsm_dl *dl, void (*load)(void), const char **why)
{
	pthread_once(&dl->once, load);
	if (dl->err && why)
		*why = dl->why;
	return dl->err;
}
