/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line, parsed as iproute2 parses `ip xfrm state`: keywords with
 * values, numbers in decimal or 0x hex (strtoul base 0), addresses of
 * either family. A parse error leaves its message in usage_msg (naming the
 * wrong word) and returns -1; the caller prints it and exits 2.
 */
#ifndef XC_PARSE_H
#define XC_PARSE_H

#include <stdint.h>

#include "libxfrmctx.h"

extern char usage_msg[256];
int usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int parse_u32(const char *key, const char *word, uint32_t *v);
int parse_u64(const char *key, const char *word, uint64_t *v);
/* An address; *family is set, or checked if already set. */
int parse_addr(const char *key, const char *word, uint16_t *family, xfrm_address_t *a);
int parse_proto(const char *word, uint8_t *proto);
const char *proto_name(uint8_t proto);

/* Which SAs a command names: IDs, a reqid, or all. */
struct sel_args {
	struct xfrmctx_sa_id *ids;
	int n_ids;
	unsigned int *sets;	/* words seen in each ID */
	uint32_t reqid;
	int has_reqid;
	int all;
};

/* If argv[*i] is a selection word (src dst proto spi mark if_id reqid all),
 * consume it and its value(s) and return 1; 0 if it is not one; -1 on a
 * parse error. A word already given in the current ID starts the next. */
int parse_sel_word(int argc, char **argv, int *i, struct sel_args *s);
/* Check the selection for cmd: every ID complete (dst, proto, spi), IDs
 * xor reqid xor all; all only if allow_all. */
int sel_finish(struct sel_args *s, const char *cmd, int allow_all);
void sel_free(struct sel_args *s);

/* Value of argv[*i + 1] for keyword argv[*i], or a parse error. */
const char *next_value(int argc, char **argv, int *i);

#endif
