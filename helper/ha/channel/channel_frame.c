// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Frames of the transfer channel, all integers big-endian:
 *
 *   0 magic 0x5843 ("XC")   2 version 1   3 type   4 payload length (u32)
 *   8 sequence number (u64)                16 payload
 *
 * A CONTEXT payload starts with its own 16 bytes: kind (1 snapshot,
 * 2 hand-over), 7 reserved zero bytes, the sender's clock when it took the
 * context (u64, ms since the epoch); then the context file image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

const char *xc_frame_type_name(uint8_t type)
{
	static const char *const names[] = {
		[XC_FR_HELLO] = "hello", [XC_FR_WELCOME] = "welcome", [XC_FR_CONTEXT] = "context",
		[XC_FR_ACK] = "ack", [XC_FR_REFUSE] = "refuse", [XC_FR_BYE] = "bye",
		[XC_FR_IKE] = "ike", [XC_FR_COUNTERS] = "counters",
		[XC_FR_RESYNC_BEGIN] = "resync-begin", [XC_FR_RESYNC_END] = "resync-end",
		[XC_FR_HANDOVER] = "handover", [XC_FR_HANDOVER_REQ] = "handover-request",
		[XC_FR_TAKEN] = "taken", [XC_FR_STATUS] = "status", [XC_FR_REFUSED] = "refused",
		[XC_FR_TAKE] = "take", [XC_FR_PREPARE] = "prepare",
	};

	return type && type < __XC_FR_MAX ? names[type] : "unknown";
}

void xc_frame_hdr_pack(uint8_t out[XC_FRAME_HDR], uint8_t type, uint64_t seq, uint32_t len)
{
	out[0] = XC_FRAME_MAGIC >> 8;
	out[1] = XC_FRAME_MAGIC & 0xff;
	out[2] = XC_FRAME_VERSION;
	out[3] = type;
	put_be32(out + 4, len);
	put_be64(out + 8, seq);
}

int xc_frame_hdr_parse(const uint8_t in[XC_FRAME_HDR], uint8_t *type, uint64_t *seq,
		       uint32_t *len, char *err, size_t errlen)
{
	if ((in[0] << 8 | in[1]) != XC_FRAME_MAGIC) {
		snprintf(err, errlen, "not an xfrmctx frame (magic 0x%02x%02x)", in[0], in[1]);
		return -EPROTO;
	}
	if (in[2] != XC_FRAME_VERSION) {
		snprintf(err, errlen, "frame version %u; this end speaks %u", in[2], XC_FRAME_VERSION);
		return -EPROTO;
	}
	if (!in[3] || in[3] >= __XC_FR_MAX) {
		snprintf(err, errlen, "unknown frame type %u", in[3]);
		return -EPROTO;
	}
	*type = in[3];
	*len = get_be32(in + 4);
	*seq = get_be64(in + 8);
	if (*len > XC_FRAME_MAX) {
		snprintf(err, errlen, "frame of %u bytes announced; at most %u are accepted", *len,
			 XC_FRAME_MAX);
		return -EPROTO;
	}
	return 0;
}

void xc_frame_free(struct xc_frame *f)
{
	if (f->data) {
		memset(f->data, 0, f->len);	/* contexts carry keys */
		free(f->data);
	}
	f->data = NULL;
	f->len = 0;
}

int xc_ctxmsg_pack(uint8_t kind, uint64_t taken_ms, const void *image, size_t len,
		   uint8_t **out, size_t *outlen)
{
	uint8_t *p = malloc(XC_CTXMSG_HDR + len);

	if (!p)
		return -ENOMEM;
	memset(p, 0, XC_CTXMSG_HDR);
	p[0] = kind;
	put_be64(p + 8, taken_ms);
	memcpy(p + XC_CTXMSG_HDR, image, len);
	*out = p;
	*outlen = XC_CTXMSG_HDR + len;
	return 0;
}

int xc_ctxmsg_parse(const uint8_t *p, size_t len, struct xc_ctxmsg *m, char *err, size_t errlen)
{
	if (len < XC_CTXMSG_HDR) {
		snprintf(err, errlen, "context message of %zu bytes, shorter than its header", len);
		return -EPROTO;
	}
	if (p[0] != XC_KIND_SNAPSHOT && p[0] != XC_KIND_HANDOVER) {
		snprintf(err, errlen, "context message of unknown kind %u", p[0]);
		return -EPROTO;
	}
	m->kind = p[0];
	m->taken_ms = get_be64(p + 8);
	m->image = p + XC_CTXMSG_HDR;
	m->image_len = len - XC_CTXMSG_HDR;
	return 0;
}
