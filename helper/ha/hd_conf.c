// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctxd's one configuration file: "key = value" lines, '#' comments.
 * Every key is documented in xfrmctxd.conf(5) (Documentation/ha.rst) and in
 * contrib/xfrmctxd.conf.example; an unknown key or a bad value is refused
 * with the file, the line and the value.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hd.h"

static void defaults(struct hd_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->control, sizeof(c->control), "%s", HD_CONTROL);
	snprintf(c->psk, sizeof(c->psk), "/etc/xfrmctx/psk");
	snprintf(c->ha_listen, sizeof(c->ha_listen), "127.0.0.2");
	snprintf(c->ha_charon, sizeof(c->ha_charon), "127.0.0.1");
	snprintf(c->fifo, sizeof(c->fifo), "/var/run/charon.ha");
	snprintf(c->charon_bin, sizeof(c->charon_bin), "/usr/lib/ipsec/charon");
	c->ike = 1;
	c->segments = 1;
	c->factor = XC_JUMP_FACTOR;
	c->in_factor = XC_JUMP_IN_FACTOR;
	c->floor = XC_IKE_JUMP_FLOOR;
	c->period_ms = 1000;
	c->min_gap_ms = 50;
	c->handover_wait_ms = 1000;
	c->lease = 600;
}

static int set_str(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len)
		return -1;
	snprintf(dst, len, "%s", v);
	return 0;
}

static int set_uint(const char *v, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out > max ? -1 : 0;
}

static int set_bool(const char *v, int *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* A factor between least and 1000. */
static int set_factor(const char *v, double least, double *out)
{
	char *end;

	*out = strtod(v, &end);
	return end == v || *end || !(*out >= least) || *out > 1000.0 ? -1 : 0;
}

/* One key; -1 if the value is bad, -2 if the key is unknown. */
static int set(struct hd_conf *c, const char *k, const char *v)
{
	unsigned long long u;
	int r = -2;

#define STR(name, field) if (!strcmp(k, name)) return set_str(c->field, sizeof(c->field), v)
	STR("id", id);
	STR("peer-id", peer_id);
	STR("peer", peer);
	STR("listen", listen);
	STR("psk", psk);
	STR("control", control);
	STR("ha-listen", ha_listen);
	STR("ha-charon", ha_charon);
	STR("fifo", fifo);
	STR("charon-bin", charon_bin);
	STR("address", address);
	STR("track-file", track_file);
	STR("interface", interface);
#undef STR
	if (!strcmp(k, "ike"))
		return set_bool(v, &c->ike);
	if (!strcmp(k, "move-address"))
		return set_bool(v, &c->move_address);
	if (!strcmp(k, "verbose"))
		return set_bool(v, &c->verbose);
	if (!strcmp(k, "realtime"))
		return set_bool(v, &c->realtime);
	if (!strcmp(k, "factor"))
		return set_factor(v, 1.0, &c->factor);
	if (!strcmp(k, "in-factor"))
		return set_factor(v, 0.0, &c->in_factor);
	if (!strcmp(k, "floor")) {
		r = set_uint(v, 1ull << 31, &u);
		c->floor = u;
	} else if (!strcmp(k, "ha-version")) {
		if (!strcmp(v, "auto")) {
			c->ha_version = 0;
			r = 0;
		} else {
			r = set_uint(v, 5, &u) || u < 3 ? -1 : 0;
			c->ha_version = (unsigned int)u;
		}
	} else if (!strcmp(k, "segments")) {
		r = set_uint(v, 31, &u) || !u ? -1 : 0;
		c->segments = (unsigned long)u;
	} else if (!strcmp(k, "period-ms")) {
		r = set_uint(v, 3600000, &u) || u < 10 ? -1 : 0;
		c->period_ms = (unsigned int)u;
	} else if (!strcmp(k, "min-gap-ms")) {
		r = set_uint(v, 60000, &u);
		c->min_gap_ms = (unsigned int)u;
	} else if (!strcmp(k, "handover-wait-ms")) {
		r = set_uint(v, 60000, &u);
		c->handover_wait_ms = (unsigned int)u;
	} else if (!strcmp(k, "lease")) {
		r = set_uint(v, XFRM_CTX_MAX_LEASE, &u) || u < 10 ? -1 : 0;
		c->lease = (unsigned int)u;
	} else if (!strcmp(k, "reqid")) {
		r = set_uint(v, UINT32_MAX, &u);
		c->reqid = (uint32_t)u;
		c->has_reqid = 1;
	}
	return r;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int hd_conf_load(const char *path, struct hd_conf *c, char *err, size_t errlen)
{
	char line[512];
	unsigned int n = 0;
	FILE *f;

	defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char *k, *v, *hash, *eq;
		int r;

		n++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		k = trim(line);
		if (!*k)
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: \"%s\": expected key = value", path, n, k);
			fclose(f);
			return -EINVAL;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		r = set(c, k, v);
		if (r == -2) {
			snprintf(err, errlen, "%s:%u: unknown key \"%s\"", path, n, k);
			fclose(f);
			return -EINVAL;
		}
		if (r) {
			snprintf(err, errlen, "%s:%u: %s: bad value \"%s\"", path, n, k, v);
			fclose(f);
			return -EINVAL;
		}
	}
	fclose(f);
	if (!c->id[0] || !c->peer_id[0] || !c->peer[0] || !c->listen[0]) {
		snprintf(err, errlen, "%s: id, peer-id, peer and listen are required", path);
		return -EINVAL;
	}
	if (c->move_address && (!c->address[0] || !c->interface[0] || strchr(c->address, ':'))) {
		snprintf(err, errlen, "%s: move-address = yes needs an IPv4 address and its interface",
			 path);
		return -EINVAL;
	}
	if (c->move_address && c->track_file[0]) {
		/* keepalived owns the address and would fight over it */
		snprintf(err, errlen, "%s: move-address = yes and track-file: the address is keepalived's; drop one of them",
			 path);
		return -EINVAL;
	}
	if (!strcmp(c->id, c->peer_id)) {
		snprintf(err, errlen, "%s: id and peer-id are both \"%s\"", path, c->id);
		return -EINVAL;
	}
	return 0;
}
