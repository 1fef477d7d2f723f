/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dl_mhd.h - whether libmicrohttpd, which `nsmon serve` loads at its first
 * use (dl_mhd.c), is there: asked once at serve's start, so a host
 * without it gets one line and exit 1 rather than a daemon that cannot
 * start.
 */
#ifndef NSM_DL_MHD_H
#define NSM_DL_MHD_H

/* 0, or -ELIBACC and *why: the library, the reason, the Debian package. */
int nsm_dl_mhd(const char **why);

#endif
