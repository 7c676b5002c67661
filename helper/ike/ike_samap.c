// SPDX-License-Identifier: GPL-2.0-or-later
/* The SA identity map (ike_samap.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike_samap.h"

struct xc_sa_map_slot {
	struct xc_sa_key k;
	void *v;		/* NULL: empty */
};

void xc_sa_key_make(struct xc_sa_key *k, uint16_t family, const void *daddr, uint32_t spi,
		    uint8_t proto)
{
	memset(k, 0, sizeof(*k));	/* padding too: keys are compared whole */
	k->family = family;
	k->proto = proto;
	k->spi = spi;
	memcpy(k->daddr, daddr, family == AF_INET6 ? 16 : 4);
}

/* FNV-1a over the key's bytes, then mixed: SPIs are random, addresses are
 * not, and the table's index takes the low bits. */
static size_t hash(const struct xc_sa_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (size_t)h;
}

static int key_eq(const struct xc_sa_key *a, const struct xc_sa_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void xc_sa_map_init(struct xc_sa_map *m)
{
	memset(m, 0, sizeof(*m));
}

void xc_sa_map_free(struct xc_sa_map *m)
{
	free(m->slot);
	xc_sa_map_init(m);
}

void xc_sa_map_clear(struct xc_sa_map *m)
{
	if (m->slot)
		memset(m->slot, 0, m->cap * sizeof(*m->slot));
	m->n = 0;
}

static struct xc_sa_map_slot *find(const struct xc_sa_map *m, const struct xc_sa_key *k)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = hash(k) & (m->cap - 1); m->slot[i].v; i = (i + 1) & (m->cap - 1))
		if (key_eq(&m->slot[i].k, k))
			return &m->slot[i];
	return NULL;
}

static void place(struct xc_sa_map *m, const struct xc_sa_key *k, void *v)
{
	size_t i = hash(k) & (m->cap - 1);

	while (m->slot[i].v)
		i = (i + 1) & (m->cap - 1);
	m->slot[i].k = *k;
	m->slot[i].v = v;
	m->n++;
}

static int grow(struct xc_sa_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64, old = m->cap, i;
	struct xc_sa_map_slot *s = calloc(cap, sizeof(*s)), *prev = m->slot;

	if (!s)
		return -ENOMEM;
	m->slot = s;
	m->cap = cap;
	m->n = 0;
	for (i = 0; i < old; i++)
		if (prev[i].v)
			place(m, &prev[i].k, prev[i].v);
	free(prev);
	return 0;
}

int xc_sa_map_put(struct xc_sa_map *m, const struct xc_sa_key *k, void *v)
{
	struct xc_sa_map_slot *s = find(m, k);

	if (s) {
		s->v = v;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	place(m, k, v);
	return 0;
}

void *xc_sa_map_get(const struct xc_sa_map *m, const struct xc_sa_key *k)
{
	struct xc_sa_map_slot *s = find(m, k);

	return s ? s->v : NULL;
}

int xc_sa_map_del(struct xc_sa_map *m, const struct xc_sa_key *k)
{
	struct xc_sa_map_slot *s = find(m, k);
	size_t mask = m->cap - 1, i, j;

	if (!s)
		return 0;
	i = (size_t)(s - m->slot);
	/* backward shift: move up every later entry of the run that the hole
	 * would cut off from its home slot */
	for (j = (i + 1) & mask; m->slot[j].v; j = (j + 1) & mask) {
		size_t home = hash(&m->slot[j].k) & mask;

		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	memset(&m->slot[i], 0, sizeof(m->slot[i]));
	m->n--;
	return 1;
}
