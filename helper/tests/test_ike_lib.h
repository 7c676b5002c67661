/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the test_ike_*.c unit tests: HA messages built as charon 5.9.8
 * builds them, fed through the parser into a store, and the captured
 * vectors of helper/tests/ike_vectors/. */
#ifndef XC_TEST_IKE_LIB_H
#define XC_TEST_IKE_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "ha_wire.h"
#include "ike_store.h"

struct xc_ha_ike_id t_id(uint8_t n, int initiator);

/* IKE_ADD as ha_ike.c sends it; keybyte fills nonces and secret; rekey_of
 * adds IKE_REKEY_ID, ALG_OLD_PRF and OLD_SKD. */
void t_ike_add(struct xc_ha_buf *b, const struct xc_ha_ike_id *id,
	       const struct xc_ha_ike_id *rekey_of, uint8_t keybyte);
void t_ike_update(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, const char *config);
void t_ike_mid(struct xc_ha_buf *b, uint8_t type, const struct xc_ha_ike_id *id, uint32_t mid);
void t_ike_delete(struct xc_ha_buf *b, const struct xc_ha_ike_id *id);
void t_child_add(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, uint32_t spi_in,
		 uint32_t spi_out, int pfs);
void t_child_delete(struct xc_ha_buf *b, const struct xc_ha_ike_id *id, uint32_t spi_in);

/* Parse, check and apply; the store's return, or -EINVAL if it did not
 * parse (why says). */
int t_feed(struct xc_store *s, const struct xc_ha_buf *b, int64_t now, char *why, size_t whylen);
int t_feed_raw(struct xc_store *s, const uint8_t *p, size_t len, int64_t now, char *why, size_t whylen);

/* The store's IKE_SA records (window 1) in a container image, nothing
 * else: a byte-exact picture of its state. */
int t_snapshot(const struct xc_store *s, uint8_t **data, size_t *len);

/* The datagrams charon sent in the capture, in order
 * (ike_vectors/NNNNNN.bin); returns how many. */
unsigned int t_stream(uint8_t ***bufs, size_t **lens);
/* The same from a subdirectory of ike_vectors/ ("6.0.1", "6.1.0"). */
unsigned int t_stream_dir(const char *sub, uint8_t ***bufs, size_t **lens);
void t_stream_free(uint8_t **bufs, size_t *lens, unsigned int n);

#endif
