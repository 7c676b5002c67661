/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: what the HA commands (push, serve, sync, takeover, seal) share.
 *
 *  - pre-shared keys, read from a key file (channel_key.c);
 *  - the transfer channel: TLS 1.3 over TCP, authenticated in both
 *    directions by an external PSK, carrying frames with a type, a length
 *    and a sequence number (channel_tls.c, channel_frame.c);
 *  - sealed files: a context at rest under AES-256-GCM with a key derived
 *    by HKDF-SHA256 from a pre-shared key (channel_seal.c);
 *  - private files and directories, written atomically (channel_file.c);
 *  - what a standby keeps about each peer and the outbound jump it computes
 *    from it at take-over (channel_state.c, channel_jump.c);
 *  - XFRM async events and their thresholds (channel_aevent.c).
 *
 * The protocol and the formats are in Documentation/ha.rst. Every function
 * that can fail returns a negative errno and leaves a message in err.
 */
#ifndef XC_CHANNEL_H
#define XC_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "libxfrmctx.h"

/* ------------------------------------------------------------------ */
/* Pre-shared keys                                                     */

#define XC_CHAN_DEFAULT_PORT	7150
#define XC_PSK_MIN		32	/* bytes */
#define XC_PSK_MAX		64
#define XC_PSK_ID_MAX		64

struct xc_psk {
	char id[XC_PSK_ID_MAX + 1];
	uint8_t key[XC_PSK_MAX];
	size_t key_len;
};

struct xc_keyring {
	struct xc_psk *keys;
	size_t n;
	char path[256];
};

/* A key file: one "IDENTITY HEXKEY" per line, '#' comments. Refused if
 * others than the owner may read it, if a line is malformed, a key is
 * shorter than XC_PSK_MIN bytes or an identity appears twice. */
int xc_keyring_load(const char *path, struct xc_keyring *kr, char *err, size_t errlen);
/* The same from memory (unit tests); no mode check. */
int xc_keyring_parse(const char *text, const char *name, struct xc_keyring *kr,
		     char *err, size_t errlen);
void xc_keyring_free(struct xc_keyring *kr);
const struct xc_psk *xc_keyring_find(const struct xc_keyring *kr, const char *id, size_t id_len);
/* Our own key: the one named id, or (id NULL) the only one, or the one
 * named as this host. */
const struct xc_psk *xc_keyring_self(const struct xc_keyring *kr, const char *id,
				     char *err, size_t errlen);
/* Append a fresh random key for id to path (created 0600 if missing). */
int xc_keyfile_add(const char *path, const char *id, char *err, size_t errlen);
int xc_valid_id(const char *id, size_t len);

/* ------------------------------------------------------------------ */
/* Frames                                                              */

#define XC_FRAME_MAGIC		0x5843	/* "XC" */
#define XC_FRAME_VERSION	1
#define XC_FRAME_HDR		16
#define XC_FRAME_MAX		(256u << 20)

enum xc_frame_type {
	XC_FR_HELLO = 1,	/* client: the stream's name ("push", "sync") */
	XC_FR_WELCOME,		/* server: u64 last sequence number accepted */
	XC_FR_CONTEXT,		/* client: XC_CTXMSG_HDR + a context file image */
	XC_FR_ACK,		/* server: accepted; text */
	XC_FR_REFUSE,		/* server: refused; the reason as text */
	XC_FR_BYE,		/* client: the stream ends on purpose */
	/* The node daemons' stream (helper/ha/hd.h): the active node's
	 * daemon is the client */
	XC_FR_IKE,		/* active: one HA datagram of its charon */
	XC_FR_COUNTERS,		/* active: XC_CTXMSG_HDR + a snapshot */
	XC_FR_RESYNC_BEGIN,	/* active: the whole state follows */
	XC_FR_RESYNC_END,	/* active: that was all */
	XC_FR_HANDOVER,		/* active: XC_CTXMSG_HDR + the frozen SAs */
	XC_FR_HANDOVER_REQ,	/* standby: please hand over */
	XC_FR_TAKEN,		/* standby: took the tunnels over (text) */
	XC_FR_STATUS,		/* standby: "in-sync ..." or "syncing ..." */
	XC_FR_REFUSED,		/* either: a request refused (text) */
	XC_FR_TAKE,		/* active: take over now (after a hand-over) */
	XC_FR_PREPARE,		/* active: a switchover follows; with
				 * move-address, add the address now */
	__XC_FR_MAX
};

/* The start of a REFUSE of a snapshot: the receiver took the tunnels
 * over while the sender still acts as the master; the sender must release
 * its SAs. */
#define XC_REFUSE_TAKEN_OVER	"taken over"

struct xc_frame {
	uint8_t type;
	uint64_t seq;
	uint8_t *data;		/* len bytes plus a NUL; free with xc_frame_free */
	size_t len;
};

void xc_frame_hdr_pack(uint8_t out[XC_FRAME_HDR], uint8_t type, uint64_t seq, uint32_t len);
int xc_frame_hdr_parse(const uint8_t in[XC_FRAME_HDR], uint8_t *type, uint64_t *seq,
		       uint32_t *len, char *err, size_t errlen);
void xc_frame_free(struct xc_frame *f);
const char *xc_frame_type_name(uint8_t type);

/* The payload of a CONTEXT frame: kind, when the sender took it, then the
 * context file image. */
#define XC_CTXMSG_HDR		16
enum { XC_KIND_SNAPSHOT = 1, XC_KIND_HANDOVER = 2 };

struct xc_ctxmsg {
	uint8_t kind;
	uint64_t taken_ms;	/* sender's clock, ms since the epoch */
	const uint8_t *image;
	size_t image_len;
};

int xc_ctxmsg_pack(uint8_t kind, uint64_t taken_ms, const void *image, size_t len,
		   uint8_t **out, size_t *outlen);
int xc_ctxmsg_parse(const uint8_t *p, size_t len, struct xc_ctxmsg *m, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The TLS channel                                                     */

struct xc_chan;

/* "HOST", "HOST:PORT", "[V6]:PORT". */
int xc_parse_hostport(const char *s, char *host, size_t hostlen, uint16_t *port,
		      char *err, size_t errlen);
/* Client side on a connected socket (consumed). */
int xc_chan_client_fd(int fd, const char *peer, const struct xc_psk *psk, int timeout_ms,
		      struct xc_chan **ch, char *err, size_t errlen);
int xc_chan_listen(const char *addr, uint16_t port, char *err, size_t errlen);
/* Server side of an accepted socket (consumed): the handshake. */
int xc_chan_accept(int fd, const struct xc_keyring *kr, int timeout_ms,
		   struct xc_chan **ch, char *err, size_t errlen);
int xc_chan_send(struct xc_chan *ch, uint8_t type, uint64_t seq, const void *p, size_t len,
		 char *err, size_t errlen);
/* 1: a frame; 0: the peer closed the stream cleanly (TLS close_notify)
 * between frames; -ENODATA: the connection ended between frames without
 * close_notify; -EPROTO: truncated or malformed; other negative: I/O. */
int xc_chan_recv(struct xc_chan *ch, struct xc_frame *f, char *err, size_t errlen);
/* Send and receive time-out of an open session (the handshake had its own). */
void xc_chan_set_timeout(struct xc_chan *ch, int timeout_ms);
int xc_chan_fd(const struct xc_chan *ch);
/* Bytes already decrypted and waiting (poll() does not see them). */
int xc_chan_pending(const struct xc_chan *ch);
const char *xc_chan_peer_id(const struct xc_chan *ch);
const char *xc_chan_peer_addr(const struct xc_chan *ch);
const char *xc_chan_cipher(const struct xc_chan *ch);
void xc_chan_close(struct xc_chan *ch, int notify);

/* ------------------------------------------------------------------ */
/* Sealed files                                                        */

#define XC_SEAL_MAGIC		"\x89XCSEAL\n"
#define XC_SEAL_MAGIC_LEN	8
#define XC_SEAL_SALT		32
#define XC_SEAL_NONCE		12
#define XC_SEAL_TAG		16

int xc_is_sealed(const void *p, size_t len);
int xc_seal(const struct xc_psk *k, const void *plain, size_t len, uint8_t **out,
	    size_t *outlen, char *err, size_t errlen);
int xc_unseal(const struct xc_keyring *kr, const void *in, size_t len, uint8_t **plain,
	      size_t *plainlen, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Files                                                               */

/* xc_write_atomic (context.h) writes files: 0600, atomically. */
/* Whole file ("-": stdin), at most max bytes; free() *p. */
int xc_read_all(const char *path, uint8_t **p, size_t *n, size_t max, char *err, size_t errlen);

/* A context from a file, plain or sealed (seal_keys NULL: sealed files are
 * refused with a message that asks for --seal). */
int xc_ctx_load(const char *path, const struct xc_keyring *seal_keys,
		struct xfrmctx_ctx **c, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* The outbound jump at take-over                                      */

struct xc_jump_params {
	double factor;		/* outbound safety factor, default 2 */
	uint64_t floor;		/* least outbound jump, default XC_JUMP_FLOOR */
	double in_factor;	/* inbound (the per-SA jumps), default 0.75 */
	uint32_t in_window;	/* the SA's replay window: the inbound jump
				 * stops this far short (ike_rate.h) */
};
#define XC_JUMP_FACTOR		2.0
#define XC_JUMP_FLOOR		256
#define XC_JUMP_IN_FACTOR	0.75

/* max(floor, ceil(peak_pps * age_s * factor)) */
uint64_t xc_jump_compute(double peak_pps, double age_s, const struct xc_jump_params *p);

/* ------------------------------------------------------------------ */
/* XFRM async events                                                   */

struct xc_aevents;

/* A NETLINK_XFRM socket in the caller's namespace subscribed to the SA
 * and AEVENTS groups (the kernel then generates async events for every
 * SA of the namespace), and one for requests. */
int xc_aevents_open(struct xc_aevents **ae, char *err, size_t errlen);
void xc_aevents_close(struct xc_aevents *ae);
int xc_aevents_fd(const struct xc_aevents *ae);

#define XC_AE_COUNTERS	0x1	/* an SA's counters advanced past a threshold or its timer */
#define XC_AE_SA	0x2	/* an SA was added, updated, deleted or expired */
#define XC_AE_OVERRUN	0x4	/* events were lost: assume everything changed */
/* Read what is queued (non-blocking). Only SAs of reqid count when
 * has_reqid (deletions always count: they do not name the reqid). */
int xc_aevents_read(struct xc_aevents *ae, uint32_t reqid, int has_reqid,
		    unsigned int *what, char *err, size_t errlen);
/* replay-maxdiff (packets) and replay-maxage (ms) of one SA. */
int xc_aevents_set_thresholds(struct xc_aevents *ae, const struct xfrmctx_sa *sa,
			      uint32_t maxdiff, uint32_t maxage_ms, char *err, size_t errlen);

#endif
