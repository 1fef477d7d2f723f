// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idmap.c - the model's lookup tables (idmap.h): namespaces by inode
 * number, processes by pid, in linear probing over a power-of-two array
 * that doubles before it is half full.
 */
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"

struct slot {
	uint64_t key;	/* 0 = empty */
	void *val;
};

struct nsm_idmap {
	struct slot *slots;
	size_t cap;	/* power of two */
	size_t count;
};

/* splitmix64 finaliser: inode numbers and pids are dense, spread them. */
static inline size_t hash(uint64_t k, size_t cap)
{
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (size_t)k & (cap - 1);
}

struct nsm_idmap *nsm_idmap_new(void)
{
	struct nsm_idmap *map = calloc(1, sizeof(*map));

	if (!map)
		return NULL;
	map->cap = 64;
	map->slots = calloc(map->cap, sizeof(*map->slots));
	if (!map->slots) {
		free(map);
		return NULL;
	}
	return map;
}

void nsm_idmap_free(struct nsm_idmap *map)
{
	if (!map)
		return;
	free(map->slots);
	free(map);
}

static struct slot *find(const struct nsm_idmap *map, uint64_t key)
{
	size_t i = hash(key, map->cap);

	for (;;) {
		struct slot *s = &map->slots[i];

		if (s->key == key || s->key == 0)
			return s;
		i = (i + 1) & (map->cap - 1);
	}
}

void *nsm_idmap_get(const struct nsm_idmap *map, uint64_t key)
{
	struct slot *s;

	if (!key)
		return NULL;
	s = find(map, key);
	return s->key ? s->val : NULL;
}

static int grow(struct nsm_idmap *map)
{
	struct slot *old = map->slots;
	size_t oldcap = map->cap, i;

	map->slots = calloc(oldcap * 2, sizeof(*map->slots));
	if (!map->slots) {
		map->slots = old;
		return -ENOMEM;
	}
	map->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(map, old[i].key) = old[i];
	free(old);
	return 0;
}

int nsm_idmap_put(struct nsm_idmap *map, uint64_t key, void *val)
{
	struct slot *s;

	if (!key)
		return -EINVAL;
	/* keep the load under 1/2 so probe chains stay short */
	if ((map->count + 1) * 2 > map->cap && grow(map))
		return -ENOMEM;
	s = find(map, key);
	if (!s->key) {
		s->key = key;
		map->count++;
	}
	s->val = val;
	return 0;
}

/*
 * Linear probing without tombstones: the slots after the freed one, up to
 * an empty one, move back into it when their home slot is not between
 * (Knuth's algorithm R), so that every probe chain stays unbroken.
 */
void nsm_idmap_del(struct nsm_idmap *map, uint64_t key)
{
	size_t mask = map->cap - 1, i, j, h;
	struct slot *s;

	if (!key)
		return;
	s = find(map, key);
	if (!s->key)
		return;
	i = (size_t)(s - map->slots);
	map->slots[i].key = 0;
	map->count--;
	for (j = (i + 1) & mask; map->slots[j].key; j = (j + 1) & mask) {
		h = hash(map->slots[j].key, map->cap);
		/* h cyclically in (i, j]: it stays */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		map->slots[i] = map->slots[j];
		map->slots[j].key = 0;
		i = j;
	}
}

size_t nsm_idmap_count(const struct nsm_idmap *map)
{
	return map->count;
}
