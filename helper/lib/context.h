/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Internal: the in-memory context container (format in
 * Documentation/context-file.rst). */
#ifndef XC_CONTEXT_H
#define XC_CONTEXT_H

#include "attr.h"
#include "libxfrmctx.h"

#define XC_CTX_MAGIC		"\x89XFRMCTX"
#define XC_CTX_MAGIC_LEN	8
#define XC_CTX_HDR_LEN		16
#define XC_CTX_SUM_LEN		32	/* SHA-256 */
#define XC_CTX_ORDER_LE		1
#define XC_CTX_ORDER_BE		2
/* A reader keeps at most this much of a file in memory. */
#define XC_CTX_MAX_FILE		(256u << 20)

struct xfrmctx_ctx {
	struct xc_buf recs;	/* the record area, exactly as in the file */
	uint8_t major, minor;	/* of the file it was read from, or ours */
};

/* The whole file image: header, records, checksum. */
int xc_ctx_serialize(const struct xfrmctx_ctx *c, struct xc_buf *out);

/* Mode 0600, temporary file in the same directory, fsync, rename, fsync
 * of the directory; err says which step failed and names the file. */
int xc_write_atomic(const char *path, const void *p, size_t n, char *err, size_t errlen);

/* A file that holds keys (what: "key file", "context file") must not be
 * open to group or others: 0, or -EPERM with the chmod to run in err.
 * Pipes and other non-regular files (stdin, <(...)) are not checked. */
struct stat;
int xc_check_private(const struct stat *st, const char *what, const char *path,
		     char *err, size_t errlen);

#endif
