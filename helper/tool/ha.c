// SPDX-License-Identifier: GPL-2.0-or-later
/* Options and helpers of the HA commands (see ha.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ha.h"
#include "parse.h"
#include "xfrmctx.h"

enum kind { K_STR, K_U32, K_U64, K_SECONDS, K_DOUBLE, K_FLAG };

struct opt {
	const char *name;
	unsigned int group;
	enum kind kind;
	size_t off;
	size_t has_off;		/* of an int set when given; 0: none */
};

#define O(n, g, k, m) { n, g, k, offsetof(struct ha_args, m), 0 }
#define OH(n, g, k, m, h) { n, g, k, offsetof(struct ha_args, m), offsetof(struct ha_args, h) }
static const struct opt opts[] = {
	O("--psk", HA_PSK, K_STR, psk),
	O("--id", HA_ID, K_STR, id),
	O("--dir", HA_DIR, K_STR, dir),
	O("--seal", HA_SEAL, K_STR, seal),
	O("--listen", HA_LISTEN, K_STR, listen),
	OH("--reqid", HA_SEL, K_U32, reqid, has_reqid),
	O("--all", HA_SEL, K_FLAG, all),
	O("--period", HA_PERIOD, K_SECONDS, period),
	O("--threshold", HA_THRESHOLD, K_U32, threshold),
	O("--factor", HA_JUMP, K_DOUBLE, factor),
	OH("--floor", HA_JUMP, K_U64, floor, has_floor),
	O("--in-jump", HA_JUMP, K_U64, in_jump),
	O("--wait", HA_WAIT, K_SECONDS, wait),
	O("--alive", HA_WAIT, K_SECONDS, alive),
	O("--import", HA_IMPORT, K_FLAG, import),
	OH("--out-jump", HA_IMPORT, K_U64, out_jump, has_out_jump),
	O("--lease", HA_IMPORT | HA_HANDOVER, K_U32, lease),
	O("--once", HA_ONCE, K_FLAG, once),
	O("--handover", HA_HANDOVER, K_FLAG, handover),
	O("--release-always", HA_HANDOVER, K_FLAG, release_always),
	OH("--seq", HA_SEQ, K_U64, seq, has_seq),
	O("-i", HA_IN, K_STR, in),
	O("-o", HA_OUT, K_STR, out),
	O("--timeout", HA_TIMEOUT, K_SECONDS, timeout),
	O("--from", HA_FROM, K_STR, from),
	O("--pidfile", HA_PIDFILE, K_STR, pidfile),
	O("--to", HA_TO, K_STR, to),
	O("--key", HA_KEY, K_STR, key),
	O("-v", HA_VERBOSE, K_FLAG, verbose),
};
#undef O
#undef OH

static int parse_value(const struct opt *o, const char *v, struct ha_args *a)
{
	void *m = (char *)a + o->off;
	char *end;
	double d;

	switch (o->kind) {
	case K_STR:
		if (!v[0])
			return usage_fail("argument \"%s\" is wrong: \"%s\" needs a value", v, o->name);
		*(const char **)m = v;
		return 0;
	case K_U32:
		return parse_u32(o->name, v, m);
	case K_U64:
		return parse_u64(o->name, v, m);
	case K_SECONDS:
	case K_DOUBLE:
		errno = 0;
		d = strtod(v, &end);
		if (errno || *end || !v[0] || !isfinite(d) || d < 0 ||
		    (o->kind == K_SECONDS && (d <= 0 || d > 86400)))
			return usage_fail("argument \"%s\" is wrong: \"%s\" value is invalid%s", v, o->name,
					  o->kind == K_SECONDS ? " (seconds, above 0, at most 86400)" : "");
		*(double *)m = d;
		return 0;
	case K_FLAG:
		break;
	}
	return 0;
}

int parse_ha_args(const char *cmd, unsigned int allowed, int argc, char **argv, struct ha_args *a)
{
	int i;
	size_t k;

	memset(a, 0, sizeof(*a));
	a->period = 1.0;
	a->threshold = 256;
	a->factor = XC_JUMP_FACTOR;
	a->wait = 3.0;
	a->alive = 2.5;
	a->timeout = 10.0;
	a->out_jump = 64;
	for (i = 0; i < argc; i++) {
		const char *w = argv[i], *eq = NULL, *v;
		const struct opt *o = NULL;

		if (w[0] == '-' && w[1] == '-')
			eq = strchr(w, '=');
		for (k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
			size_t nl = eq ? (size_t)(eq - w) : strlen(w);

			if ((opts[k].group & allowed) && strlen(opts[k].name) == nl &&
			    !strncmp(opts[k].name, w, nl))
				o = &opts[k];
		}
		if (!o) {
			if (w[0] != '-' && (allowed & HA_HOST) && !a->host) {
				a->host = w;
				continue;
			}
			if (w[0] != '-' && (allowed & HA_NAME) && !a->name) {
				a->name = w;
				continue;
			}
			return usage_fail("argument \"%s\" is wrong: unknown word for \"%s\"; try \"xfrmctx %s help\"",
					  w, cmd, cmd);
		}
		if (o->kind == K_FLAG) {
			if (eq)
				return usage_fail("argument \"%s\" is wrong: \"%s\" takes no value", w, o->name);
			*(int *)((char *)a + o->off) = 1;
			continue;
		}
		if (eq) {
			v = eq + 1;
		} else {
			if (i + 1 >= argc)
				return usage_fail("argument \"%s\" is wrong: it needs a value", w);
			v = argv[++i];
		}
		if (parse_value(o, v, a))
			return -1;
		if (o->has_off)
			*(int *)((char *)a + o->has_off) = 1;
	}
	if (a->all && a->has_reqid)
		return usage_fail("argument \"--all\" is wrong: \"--reqid\" was given too");
	if (a->lease > XFRM_CTX_MAX_LEASE)
		return usage_fail("argument \"--lease\" is wrong: 1 to %u seconds", XFRM_CTX_MAX_LEASE);
	if ((allowed & HA_JUMP) && a->factor < 1)
		return usage_fail("argument \"--factor\" is wrong: a safety factor below 1 shrinks the jump");
	if ((allowed & HA_THRESHOLD) && !a->threshold)
		return usage_fail("argument \"--threshold\" is wrong: at least 1 packet");
	if (a->release_always && !a->handover)
		return usage_fail("argument \"--release-always\" is wrong: it goes with --handover");
	if (!a->has_floor)
		a->floor = a->threshold ? a->threshold : XC_JUMP_FLOOR;
	return 0;
}

int ha_require(const char *cmd, const struct ha_args *a, unsigned int required)
{
	static const struct {
		unsigned int bit;
		size_t off;
		const char *what;
	} req[] = {
		{ HA_PSK, offsetof(struct ha_args, psk), "--psk FILE" },
		{ HA_DIR, offsetof(struct ha_args, dir), "--dir DIR" },
		{ HA_TO, offsetof(struct ha_args, to), "--to HOST[:PORT]" },
		{ HA_HOST, offsetof(struct ha_args, host), "HOST[:PORT]" },
		{ HA_KEY, offsetof(struct ha_args, key), "--key FILE" },
		{ HA_NAME, offsetof(struct ha_args, name), "an identity" },
	};
	size_t i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++)
		if ((required & req[i].bit) && !*(const char *const *)((const char *)a + req[i].off))
			return usage_fail("\"%s\" needs %s; try \"xfrmctx %s help\"", cmd, req[i].what, cmd);
	return 0;
}

void ha_log(const char *cmd, const char *fmt, ...)
{
	struct timeval tv;
	struct tm tm;
	char when[32];
	va_list ap;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld xfrmctx %s: ", when, (long)tv.tv_usec / 1000, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

int ha_open(const char *cmd, struct xfrmctx **h)
{
	unsigned int flags = XFRMCTX_OPEN_FALLBACK | (opt_no_module ? XFRMCTX_OPEN_NO_MODULE : 0);
	int err = xfrmctx_open_flags(h, flags);

	if (err) {
		ha_log(cmd, "cannot open netlink: %s", strerror(-err));
		return err;
	}
	return 0;
}

int ha_ctx_ids(const struct xfrmctx_ctx *c, struct xfrmctx_sa_id **idsp, size_t *np)
{
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_sa_id *ids;
	char err[XFRMCTX_ERRLEN];
	size_t n = 0;

	*idsp = NULL;
	*np = 0;
	ids = calloc(xfrmctx_ctx_count(c, XFRMCTX_REC_SA) + 1, sizeof(*ids));
	if (!sa || !ids) {
		free(sa);
		free(ids);
		return -ENOMEM;
	}
	while (xfrmctx_ctx_next(c, &r) > 0) {
		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		xfrmctx_sa_get_id(sa, &ids[n++]);
	}
	memset(sa, 0, sizeof(*sa));
	free(sa);
	*idsp = ids;
	*np = n;
	return 0;
}

static unsigned int act_ids(struct xfrmctx *h, const struct xfrmctx_sa_id *ids, size_t n,
			    int release)
{
	unsigned int done = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		struct xfrmctx_target t = { .id = &ids[i] };
		uint32_t c = 0;

		if (!(release ? xfrmctx_release(h, &t, &c) : xfrmctx_thaw(h, &t, &c)))
			done += c;
	}
	return done;
}

unsigned int ha_thaw_ids(struct xfrmctx *h, const struct xfrmctx_sa_id *ids, size_t n)
{
	return act_ids(h, ids, n, 0);
}

unsigned int ha_release_ids(struct xfrmctx *h, const struct xfrmctx_sa_id *ids, size_t n)
{
	return act_ids(h, ids, n, 1);
}

/* Freeze and export, one SA at a time, the SAs of the selection that are
 * not frozen yet (frozen ones were staged here by a hand-over from the
 * peer, or are being handed over: not ours to give). If one fails, those
 * frozen so far are thawed. */
static int export_frozen(const char *cmd, struct xfrmctx *h, const struct xfrmctx_target *sel,
			 uint32_t lease, struct xfrmctx_ctx *c, uint32_t *sas)
{
	struct xfrmctx_ctx *now = xfrmctx_ctx_new();
	struct xfrmctx_sa *sa = malloc(sizeof(*sa));
	struct xfrmctx_record r = { 0 };
	struct xfrmctx_sa_id *done = NULL;
	char err[XFRMCTX_ERRLEN];
	size_t n_done = 0;
	uint32_t cnt;
	int ret = -ENOMEM;

	if (!now || !sa)
		goto out;
	ret = xfrmctx_export(h, sel, 0, 0, now, &cnt);
	if (ret) {
		ha_log(cmd, "export: %s", xfrmctx_strerror(h, ret));
		goto out;
	}
	done = calloc(cnt + 1, sizeof(*done));
	if (!done) {
		ret = -ENOMEM;
		goto out;
	}
	while (xfrmctx_ctx_next(now, &r) > 0) {
		struct xfrmctx_target one = { 0 };
		struct xfrmctx_sa_id id;

		if (r.type != XFRMCTX_REC_SA || xfrmctx_sa_decode(r.data, r.len, sa, err, sizeof(err)))
			continue;
		if (sa->frozen)
			continue;
		xfrmctx_sa_get_id(sa, &id);
		one.id = &id;
		ret = xfrmctx_export(h, &one, XFRM_CTX_F_FREEZE, lease, c, &cnt);
		if (ret) {
			ha_log(cmd, "freeze and export SA 0x%08x: %s", id.spi, xfrmctx_strerror(h, ret));
			ha_thaw_ids(h, done, n_done);
			goto out;
		}
		done[n_done++] = id;
		*sas += cnt;
	}
	ret = 0;
out:
	if (sa)
		memset(sa, 0, sizeof(*sa));
	free(sa);
	free(done);
	xfrmctx_ctx_free(now);
	return ret;
}

int ha_export(const char *cmd, struct xfrmctx *h, const struct ha_args *a, uint32_t lease,
	      struct xfrmctx_ctx **cp, uint32_t *sas, uint32_t *pols)
{
	struct xfrmctx_target t = { .reqid = a->reqid, .has_reqid = a->has_reqid };
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	int err;

	*cp = NULL;
	*sas = *pols = 0;
	if (!c)
		return -ENOMEM;
	if (lease && xfrmctx_has_module(h)) {
		err = export_frozen(cmd, h, &t, lease, c, sas);
		if (err) {
			xfrmctx_ctx_free(c);
			return err;
		}
	} else {
		err = xfrmctx_export(h, &t, 0, 0, c, sas);
		if (err) {
			ha_log(cmd, "export: %s", xfrmctx_strerror(h, err));
			xfrmctx_ctx_free(c);
			return err;
		}
	}
	if (!*sas && !xfrmctx_ctx_count(c, XFRMCTX_REC_META))
		xfrmctx_ctx_add_meta(c, xfrmctx_has_module(h) ? XFRMCTX_SOURCE_MODULE :
				     XFRMCTX_SOURCE_XFRM, lease != 0);
	err = xfrmctx_policy_export(h, &t, c, pols);
	if (err) {
		ha_log(cmd, "export policies: %s", xfrmctx_strerror(h, err));
		xfrmctx_ctx_free(c);
		return err;
	}
	*cp = c;
	return 0;
}
