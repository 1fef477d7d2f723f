/* SPDX-License-Identifier: GPL-2.0-or-later */
/* idmap.h - open-addressing hash map from a non-zero u64 key to a pointer:
 * namespace ids and pids are looked up per task, hosts have 10^5 tasks. */
#ifndef NSM_IDMAP_H
#define NSM_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct nsm_idmap;

struct nsm_idmap *nsm_idmap_new(void);
void nsm_idmap_free(struct nsm_idmap *map);
void *nsm_idmap_get(const struct nsm_idmap *map, uint64_t key);
/* Inserts or replaces; key must not be 0.  Returns 0 or -ENOMEM. */
int nsm_idmap_put(struct nsm_idmap *map, uint64_t key, void *val);
/* Removes key (if there). */
void nsm_idmap_del(struct nsm_idmap *map, uint64_t key);
size_t nsm_idmap_count(const struct nsm_idmap *map);

#endif
