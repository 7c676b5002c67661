/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the HA commands (push, serve, sync, takeover, key, seal): their
 * options, parsed apart from running them so the unit tests can check the
 * grammar, and small helpers.
 */
#ifndef XC_HA_H
#define XC_HA_H

#include <stdint.h>

#include "channel.h"
#include "libxfrmctx.h"

enum ha_opt {
	HA_PSK = 1u << 0,	/* --psk FILE */
	HA_ID = 1u << 1,	/* --id NAME */
	HA_DIR = 1u << 2,	/* --dir DIR */
	HA_SEAL = 1u << 3,	/* --seal KEYFILE */
	HA_LISTEN = 1u << 4,	/* --listen ADDR[:PORT] */
	HA_SEL = 1u << 5,	/* --reqid R | --all */
	HA_PERIOD = 1u << 6,	/* --period S */
	HA_THRESHOLD = 1u << 7,	/* --threshold N */
	HA_JUMP = 1u << 8,	/* --factor F --floor N --in-jump N */
	HA_WAIT = 1u << 9,	/* --wait S --alive S */
	HA_IMPORT = 1u << 10,	/* --import --out-jump N --lease S */
	HA_ONCE = 1u << 11,	/* --once */
	HA_HANDOVER = 1u << 12,	/* --handover --release-always --lease S */
	HA_SEQ = 1u << 13,	/* --seq N */
	HA_IN = 1u << 14,	/* -i FILE */
	HA_OUT = 1u << 15,	/* -o FILE */
	HA_TIMEOUT = 1u << 16,	/* --timeout S */
	HA_FROM = 1u << 17,	/* --from ID */
	HA_PIDFILE = 1u << 18,	/* --pidfile FILE */
	HA_TO = 1u << 19,	/* --to HOST[:PORT] */
	HA_KEY = 1u << 20,	/* --key FILE */
	HA_VERBOSE = 1u << 21,	/* -v */
	HA_HOST = 1u << 22,	/* a positional HOST[:PORT] */
	HA_NAME = 1u << 23,	/* a positional NAME */
};

struct ha_args {
	const char *psk, *id, *dir, *seal, *listen, *in, *out, *from, *pidfile, *to, *key;
	const char *host, *name;
	uint32_t reqid;
	int has_reqid, all;
	double period, factor, wait, alive, timeout;
	uint32_t threshold, lease;
	uint64_t floor, out_jump, in_jump, seq;
	int has_floor, has_seq, has_out_jump;
	int import, once, handover, release_always, verbose;
};

/* Defaults, then argv. 0, or -1 with usage_msg set. */
int parse_ha_args(const char *cmd, unsigned int allowed, int argc, char **argv, struct ha_args *a);

/* The options every command must have, with a message naming the first
 * one missing. */
int ha_require(const char *cmd, const struct ha_args *a, unsigned int required);

/* "xfrmctx CMD: " + message, with a time stamp, on stderr, flushed. */
void ha_log(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Open a handle; the module if there is one, else XFRM netlink. */
int ha_open(const char *cmd, struct xfrmctx **h);

/* The SA ids of the SA records of c (free() *ids). */
int ha_ctx_ids(const struct xfrmctx_ctx *c, struct xfrmctx_sa_id **ids, size_t *n);

/* Thaw or release every SA of ids; returns how many it acted on. */
unsigned int ha_thaw_ids(struct xfrmctx *h, const struct xfrmctx_sa_id *ids, size_t n);
unsigned int ha_release_ids(struct xfrmctx *h, const struct xfrmctx_sa_id *ids, size_t n);

/* Export the selection with its policies into a new context. With a
 * lease: only the SAs that are not frozen yet, each frozen for lease
 * seconds (without the module, where nothing freezes, all of them).
 * *sas: SAs exported. */
int ha_export(const char *cmd, struct xfrmctx *h, const struct ha_args *a, uint32_t lease,
	      struct xfrmctx_ctx **c, uint32_t *sas, uint32_t *pols);

/* The HA stream (cmd_push.c). A sequence number above last: the clock in
 * microseconds, or last + 1. */
uint64_t ha_next_seq(uint64_t last);
/* Connect to HOST[:PORT], say hello on stream ("push", "sync"), read the
 * welcome: *last is the last sequence number the server accepted. */
int ha_connect(const char *cmd, const char *hostport, const struct xc_psk *self, const char *stream,
	       int timeout_ms, struct xc_chan **ch, uint64_t *last);
/* One CONTEXT message and its answer. 0 accepted, 1 refused (the reason in
 * answer), -1 the channel failed. */
int ha_send_context(const char *cmd, struct xc_chan *ch, uint8_t kind, uint64_t seq,
		    uint64_t taken_ms, const void *img, size_t len, char *answer, size_t alen);

#endif
