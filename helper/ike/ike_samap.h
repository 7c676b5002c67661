/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A map from an SA's identity (family, destination, SPI, protocol: what
 * the kernel looks an SA up by) to a pointer: the rate table of the active
 * node and the standby's set of frozen SAs look SAs up once per SA of every
 * snapshot, which a list made quadratic in the number of tunnels.
 *
 * Open addressing with linear probing, at most half full, deletion by
 * backward shift (no tombstones): lookups stay short whatever the churn.
 */
#ifndef XC_IKE_SAMAP_H
#define XC_IKE_SAMAP_H

#include <stddef.h>
#include <stdint.h>

struct xc_sa_key {
	uint16_t family;	/* AF_INET, AF_INET6 */
	uint8_t proto;
	uint32_t spi;
	uint8_t daddr[16];	/* IPv4: the first 4 bytes, the rest zero */
};

struct xc_sa_map_slot;

struct xc_sa_map {
	struct xc_sa_map_slot *slot;
	size_t cap, n;		/* cap: 0 or a power of two */
};

/* The key of (family, daddr, spi, proto): daddr holds 4 or 16 bytes. */
void xc_sa_key_make(struct xc_sa_key *k, uint16_t family, const void *daddr, uint32_t spi,
		    uint8_t proto);

void xc_sa_map_init(struct xc_sa_map *m);
void xc_sa_map_free(struct xc_sa_map *m);
void xc_sa_map_clear(struct xc_sa_map *m);	/* empty, memory kept */
/* Map k to v (v not NULL; replaces an earlier value). 0 or -ENOMEM. */
int xc_sa_map_put(struct xc_sa_map *m, const struct xc_sa_key *k, void *v);
/* The value of k, NULL if none. */
void *xc_sa_map_get(const struct xc_sa_map *m, const struct xc_sa_key *k);
/* Forget k; 1 if it was there. */
int xc_sa_map_del(struct xc_sa_map *m, const struct xc_sa_key *k);

#endif
