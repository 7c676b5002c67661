// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike show: print a record file. xfrmctx-ike parse: decode raw HA
 * datagrams, one file each, attribute by attribute; exits 1 if any file
 * does not parse, naming the reason.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ha_wire.h"
#include "ike_cmd.h"
#include "ike_file.h"
#include "ike_show.h"
#include "ike_store.h"

int cmd_show(int argc, char **argv)
{
	struct xc_show_opts o = { 0 };
	struct xc_ikef_meta meta;
	struct xc_store s;
	const char *file = NULL;
	char why[256];
	uint8_t *data;
	size_t len;
	int i, err;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			o.json = 1;
		} else if (!strcmp(argv[i], "--reveal-keys")) {
			o.reveal_keys = 1;
		} else if (argv[i][0] != '-' && !file) {
			file = argv[i];
		} else {
			xc_err("show: unexpected argument \"%s\"", argv[i]);
			return 2;
		}
	}
	if (!file) {
		xc_err("show: which file?");
		return 2;
	}
	if (xc_file_read(file, XC_MAX_FILE, &data, &len, why, sizeof(why))) {
		xc_err("show: %s", why);
		return 1;
	}
	err = xc_ikef_decode(data, len, &s, &meta, why, sizeof(why));
	xc_file_free(data, len);
	if (err) {
		xc_err("show: %s: %s", file, why);
		return 1;
	}
	xc_show_store(stdout, &s, &meta, &o);
	xc_store_free(&s);
	return 0;
}

static void print_attr(const struct xc_ha_attr *a, int reveal)
{
	char s1[INET6_ADDRSTRLEN], s2[INET6_ADDRSTRLEN];
	unsigned int i;

	printf("  %-14s", xc_ha_attr_name(a->type));
	switch (xc_ha_attr_enc(a->type)) {
	case XC_HA_ENC_IKE_ID:
		printf(" ikev%u ", a->v.ike_id.version);
		for (i = 0; i < 8; i++)
			printf("%02x", a->v.ike_id.spi_i[i]);
		printf("_i ");
		for (i = 0; i < 8; i++)
			printf("%02x", a->v.ike_id.spi_r[i]);
		printf("_r %s", a->v.ike_id.initiator ? "initiator" : "responder");
		break;
	case XC_HA_ENC_IDENT:
		printf(" type %u len %u ", a->v.ident.type, a->v.ident.len);
		for (i = 0; i < a->v.ident.len; i++) {
			uint8_t c = a->v.ident.data[i];

			if (c >= 0x20 && c < 0x7f)
				putchar(c);
			else
				printf("\\x%02x", c);
		}
		break;
	case XC_HA_ENC_HOST:
		inet_ntop(a->v.host.family == XC_HA_AF_INET ? AF_INET : AF_INET6, a->v.host.addr,
			  s1, sizeof(s1));
		printf(" %s port %u", s1, a->v.host.port);
		break;
	case XC_HA_ENC_STR:
		printf(" \"%s\"", a->v.str);
		break;
	case XC_HA_ENC_U8:
		printf(" %u", a->v.u8);
		break;
	case XC_HA_ENC_U16:
		if (a->type == XC_HA_A_INBOUND_CPI || a->type == XC_HA_A_OUTBOUND_CPI)
			printf(" cpi 0x%04x", xc_ha_cpi(a->v.u16));
		else
			printf(" %u", a->v.u16);
		break;
	case XC_HA_ENC_U32:
		if (a->type == XC_HA_A_INBOUND_SPI || a->type == XC_HA_A_OUTBOUND_SPI)
			printf(" spi 0x%08x", xc_ha_spi(a->v.u32));
		else
			printf(" %u (0x%08x)", a->v.u32, a->v.u32);
		break;
	case XC_HA_ENC_CHUNK:
		printf(" %u bytes", a->v.chunk.len);
		if (reveal) {
			putchar(' ');
			for (i = 0; i < a->v.chunk.len; i++)
				printf("%02x", a->v.chunk.data[i]);
		}
		break;
	case XC_HA_ENC_TS:
		inet_ntop(a->v.ts.type == XC_HA_TS_IPV4 ? AF_INET : AF_INET6, a->v.ts.from, s1, sizeof(s1));
		inet_ntop(a->v.ts.type == XC_HA_TS_IPV4 ? AF_INET : AF_INET6, a->v.ts.to, s2, sizeof(s2));
		printf(" %s..%s proto %u ports %u-%u%s", s1, s2, a->v.ts.proto, a->v.ts.from_port,
		       a->v.ts.to_port, a->v.ts.dynamic ? " dynamic" : "");
		break;
	}
	putchar('\n');
}

int cmd_parse(int argc, char **argv)
{
	static struct xc_ha_msg m;
	char why[256];
	int i, reveal = 0, bad = 0, files = 0;
	unsigned int k;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--reveal-keys"))
			reveal = 1;
	for (i = 0; i < argc; i++) {
		uint8_t *data;
		size_t len;

		if (!strcmp(argv[i], "--reveal-keys"))
			continue;
		files++;
		if (xc_file_read(argv[i], 1 << 20, &data, &len, why, sizeof(why))) {
			xc_err("parse: %s", why);
			bad = 1;
			continue;
		}
		if (xc_ha_parse(data, len, &m, why, sizeof(why)) || xc_ha_check(&m, why, sizeof(why))) {
			printf("%s: %zu bytes: dropped: %s\n", argv[i], len, why);
			bad = 1;
		} else {
			printf("%s: %zu bytes: version %u %s, %u attributes\n", argv[i], len, m.version,
			       xc_ha_msg_name(m.type), m.nattrs);
			for (k = 0; k < m.nattrs; k++)
				print_attr(&m.attrs[k], reveal);
		}
		xc_file_free(data, len);
	}
	if (!files) {
		xc_err("parse: which files?");
		return 2;
	}
	return bad;
}
