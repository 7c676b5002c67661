/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKE record file (ike_record.h): encoding the recorder's store into it,
 * decoding it back, and writing it so that a reader only ever sees the old
 * or the new file, never a part of one, and never with a mode other than
 * 0600 (it holds key material).
 */
#ifndef XC_IKE_FILE_H
#define XC_IKE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ike_nla.h"
#include "ike_store.h"

struct xc_ikef_meta {
	uint64_t serial;
	int64_t written;
	char source[64];
	uint32_t window;	/* IKE window written into every record */
	uint64_t accepted, dropped;
};

/* Store -> buffer (header included). 0 or negative errno; why says more. */
int xc_ikef_encode(const struct xc_store *s, const struct xc_ikef_meta *meta,
		   struct xc_nlb *out, char *why, size_t whylen);

/* Buffer -> a fresh store (xc_store_free it). Refuses anything malformed,
 * and records that do not hang together (a CHILD_SA under an IKE_SA it
 * does not belong to, a keying record nothing needs). */
int xc_ikef_decode(const uint8_t *buf, size_t len, struct xc_store *s,
		   struct xc_ikef_meta *meta, char *why, size_t whylen);

/* Write data to path atomically: temp file in the same directory, mode
 * 0600, fsync, rename, fsync of the directory. */
int xc_file_write_atomic(const char *path, const void *data, size_t len,
			 char *why, size_t whylen);

/* Read a whole file of at most max bytes into a fresh buffer (free with
 * xc_file_free, which wipes it). */
int xc_file_read(const char *path, size_t max, uint8_t **data, size_t *len,
		 char *why, size_t whylen);
void xc_file_free(uint8_t *data, size_t len);

#endif
