// SPDX-License-Identifier: GPL-2.0-or-later
/* HA datagrams between protocol versions (ha_convert.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ha_convert.h"

static int put(struct xc_ha_buf *b, const struct xc_ha_attr *a)
{
	switch (xc_ha_attr_enc(a->type)) {
	case XC_HA_ENC_IKE_ID:
		xc_ha_put_ike_id(b, a->type, &a->v.ike_id);
		return 0;
	case XC_HA_ENC_IDENT:
		xc_ha_put_ident(b, a->type, a->v.ident.type, a->v.ident.data, a->v.ident.len);
		return 0;
	case XC_HA_ENC_HOST:
		xc_ha_put_host(b, a->type, &a->v.host);
		return 0;
	case XC_HA_ENC_STR:
		xc_ha_put_str(b, a->type, a->v.str);
		return 0;
	case XC_HA_ENC_U8:
		xc_ha_put_u8(b, a->type, a->v.u8);
		return 0;
	case XC_HA_ENC_U16:
		xc_ha_put_u16(b, a->type, a->v.u16);
		return 0;
	case XC_HA_ENC_U32:
		xc_ha_put_u32(b, a->type, a->v.u32);
		return 0;
	case XC_HA_ENC_CHUNK:
		xc_ha_put_chunk(b, a->type, a->v.chunk.data, a->v.chunk.len);
		return 0;
	case XC_HA_ENC_TS:
		xc_ha_put_ts(b, a->type, &a->v.ts);
		return 0;
	}
	return -EINVAL;
}

int xc_ha_convert(const struct xc_ha_msg *m, uint8_t version, struct xc_ha_buf *b, char *why,
		  size_t whylen)
{
	static struct xc_ha_msg back;	/* the result, parsed again (large) */
	const char *mname = xc_ha_msg_name(m->type);
	char inner[200];
	unsigned int i;

	/* version 4's second form of IKE_ADD: the key update after each
	 * additional key exchange of an initial IKE_SA, with no proposal */
	if (m->type == XC_HA_IKE_ADD && version < 4 && !xc_ha_find(m, XC_HA_A_ALG_PRF)) {
		snprintf(why, whylen, "IKE_ADD: the key update of an additional key exchange (RFC 9370) cannot travel in protocol version %u (%s)",
			 version, xc_ha_version_speakers(version));
		return -EPROTONOSUPPORT;
	}
	xc_ha_begin_v(b, version, m->type);
	for (i = 0; i < m->nattrs; i++) {
		const struct xc_ha_attr *a = &m->attrs[i];

		if (version < 5 && m->version >= 5 &&
		    (a->type == XC_HA_A_CONDITIONS || a->type == XC_HA_A_EXTENSIONS) &&
		    (a->v.u32 & XC_HA_PRIVATE_MARKER)) {
			if (a->v.u32 & ~XC_HA_PRIVATE_MARKER) {
				snprintf(why, whylen, "%s: private %s 0x%08x cannot travel in protocol version %u (%s)",
					 mname, xc_ha_attr_name(a->type), a->v.u32, version,
					 xc_ha_version_speakers(version));
				return -EPROTONOSUPPORT;
			}
			continue;	/* the empty private set: nothing lost */
		}
		if (put(b, a)) {
			snprintf(why, whylen, "%s: attribute %u has no encoding", mname, a->type);
			return -EINVAL;
		}
	}
	if (b->unfit) {
		snprintf(why, whylen, "%s: %s cannot travel in protocol version %u (%s)", mname,
			 b->unfit, version, xc_ha_version_speakers(version));
		return -EPROTONOSUPPORT;
	}
	if (b->overflow) {
		snprintf(why, whylen, "%s: too large for a datagram in protocol version %u", mname,
			 version);
		return -EMSGSIZE;
	}
	/* what charon of that version accepts: e.g. version 4's IKE_ADD of
	 * the key-update form has no version 3 equivalent */
	i = xc_ha_parse(b->data, b->len, &back, inner, sizeof(inner)) ||
	    xc_ha_check(&back, inner, sizeof(inner));
	explicit_bzero(&back, sizeof(back));
	if (i) {
		snprintf(why, whylen, "%s in protocol version %u (%s): %s", mname, version,
			 xc_ha_version_speakers(version), inner);
		return -EPROTONOSUPPORT;
	}
	return 0;
}
