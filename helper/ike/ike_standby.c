// SPDX-License-Identifier: GPL-2.0-or-later
/* The hook's side of a standby charon's HA channel (see ike_standby.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ike_cmd.h"
#include "ike_standby.h"
#include "ike_xfrm.h"

void xc_standby_init(struct xc_standby *r)
{
	memset(r, 0, sizeof(*r));
	r->fifo = "/var/run/charon.ha";
	r->segments = 1;
	r->timeout = 10;
	r->fd = -1;
	r->charon_bin = "/usr/lib/ipsec/charon";
}

int xc_standby_opt(struct xc_standby *r, const char *o, const char *v,
		   const char **listen, const char **charon)
{
	if (!strcmp(o, "--listen") || !strcmp(o, "--charon") || !strcmp(o, "--fifo")) {
		if (!v) {
			xc_err("%s needs a value", o);
			return -1;
		}
		if (!strcmp(o, "--listen"))
			*listen = v;
		else if (!strcmp(o, "--charon"))
			*charon = v;
		else
			r->fifo = v;
		return 2;
	}
	if (!strcmp(o, "--segments")) {
		if (xc_opt_uint(o, v, 31, &r->segments))
			return -1;
		if (!r->segments) {
			xc_err("--segments \"%s\": charon numbers segments from 1", v);
			return -1;
		}
		return 2;
	}
	if (!strcmp(o, "--timeout"))
		return xc_opt_uint(o, v, 3600, &r->timeout) ? -1 : 2;
	if (!strcmp(o, "--ha-version")) {
		if (v && !strcmp(v, "auto")) {
			r->ha_version = 0;
			return 2;
		}
		if (xc_opt_uint(o, v, 255, &r->ha_version))
			return -1;
		if (r->ha_version < XC_HA_VERSION_MIN || r->ha_version > XC_HA_VERSION_MAX) {
			xc_err("--ha-version \"%s\": strongSwan's HA protocol versions are %d to %d (or auto)",
			       v, XC_HA_VERSION_MIN, XC_HA_VERSION_MAX);
			return -1;
		}
		return 2;
	}
	if (!strcmp(o, "--charon-bin")) {
		if (!v) {
			xc_err("%s needs a value", o);
			return -1;
		}
		r->charon_bin = v;
		return 2;
	}
	return 0;
}

int xc_standby_addrs(struct xc_standby *r, const char *cmd, const char *listen,
		     const char *charon)
{
	char why[128];

	if (!listen || !charon) {
		xc_err("%s: --listen and --charon are required", cmd);
		return -1;
	}
	if (xc_addr_parse(listen, XC_HA_PORT, &r->listen, why, sizeof(why)) ||
	    xc_addr_parse(charon, XC_HA_PORT, &r->charon, why, sizeof(why))) {
		xc_err("%s: %s", cmd, why);
		return -1;
	}
	return 0;
}

/* Bound to --listen, connected to --charon, so that ICMP errors tell when
 * charon is not there. */
int xc_standby_open(struct xc_standby *r, const char *cmd)
{
	char why[256];

	r->fd = xc_udp_open(&r->listen, why, sizeof(why));
	if (r->fd < 0) {
		xc_err("%s: %s", cmd, why);
		return -1;
	}
	if (connect(r->fd, (struct sockaddr *)&r->charon.ss, r->charon.len)) {
		xc_err("%s: connect: %s", cmd, strerror(errno));
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	return 0;
}

void xc_standby_close(struct xc_standby *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Read what charon sends us: SEGMENT_TAKE/DROP, STATUS, RESYNC. */
static void drain(struct xc_standby *r)
{
	static struct xc_ha_msg m;
	uint8_t buf[2048];
	char why[200], who[64];
	unsigned int i;

	for (;;) {
		struct xc_addr from;
		int truncated = 0;
		long n = xc_udp_recv(r->fd, buf, sizeof(buf), &from, &truncated);

		if (n == -EAGAIN)
			return;
		if (n < 0) {
			if (n == -ECONNREFUSED)
				xc_log("charon's HA socket refused a datagram: is charon running with ha.local and ha.remote as given?");
			else
				xc_log("receive: %s", strerror((int)-n));
			return;
		}
		xc_addr_fmt(&from, who, sizeof(who));
		if (truncated || !xc_addr_eq(&from, &r->charon)) {
			xc_log("ignored a datagram from %s", who);
			continue;
		}
		if (r->on_datagram)
			r->on_datagram(r->ctx, buf, (size_t)n);
		if (n >= 1 && buf[0] != r->heard_version) {
			r->heard_version = buf[0];
			xc_log("charon speaks HA protocol version %u (%s)", buf[0],
			       xc_ha_version_speakers(buf[0]));
		}
		if (xc_ha_parse(buf, (size_t)n, &m, why, sizeof(why))) {
			xc_log("ignored a datagram from charon: %s", why);
			continue;
		}
		if (m.type == XC_HA_IKE_UPDATE && m.nattrs && m.attrs[0].type == XC_HA_A_IKE_ID) {
			for (i = 0; i < r->echo_n; i++)
				if (xc_ike_id_eq(&r->echo_want[i], &m.attrs[0].v.ike_id))
					r->echo_got[i] = 1;
			explicit_bzero(buf, (size_t)n);
			continue;
		}
		if (m.type != XC_HA_SEGMENT_TAKE && m.type != XC_HA_SEGMENT_DROP &&
		    m.type != XC_HA_STATUS && m.type != XC_HA_RESYNC) {
			/* the rest of a resync's echo: key material, not kept */
			explicit_bzero(buf, (size_t)n);
			continue;
		}
		for (i = 0; i < m.nattrs; i++) {
			if (m.attrs[i].type != XC_HA_A_SEGMENT || m.attrs[i].v.u16 >= 32)
				continue;
			if (m.type == XC_HA_SEGMENT_TAKE)
				r->taken |= 1u << m.attrs[i].v.u16;
			else if (m.type == XC_HA_SEGMENT_DROP)
				r->taken &= ~(1u << m.attrs[i].v.u16);
			xc_log("charon: %s segment %u", xc_ha_msg_name(m.type), m.attrs[i].v.u16);
		}
		if (m.type == XC_HA_STATUS && !xc_ha_count(&m, XC_HA_A_SEGMENT))
			xc_log("charon: STATUS, no segment active");
	}
}

int xc_charon_release_version(const char *bin)
{
	char out[256];
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (!pid) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(bin, bin, "--version", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < (ssize_t)sizeof(out) - 1 &&
	       (n = read(p[0], out + got, sizeof(out) - 1 - (size_t)got)) > 0)
		got += n;
	close(p[0]);
	out[got] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return xc_ha_version_of_release(out);
}

int xc_standby_version(struct xc_standby *r)
{
	int v;

	if (r->ha_version) {
		v = (int)r->ha_version;
		xc_log("sending HA protocol version %d (--ha-version)", v);
	} else {
		drain(r);
		if (r->heard_version >= XC_HA_VERSION_MIN && r->heard_version <= XC_HA_VERSION_MAX) {
			v = r->heard_version;
			xc_log("sending HA protocol version %d (heard from charon)", v);
		} else if ((v = xc_charon_release_version(r->charon_bin)) > 0) {
			xc_log("sending HA protocol version %d (%s --version: %s)", v, r->charon_bin,
			       xc_ha_version_speakers((uint8_t)v));
		} else {
			xc_log("cannot tell which HA protocol version the standby's charon speaks: it sent nothing yet and %s --version names no strongSwan release; give --ha-version 3, 4 or 5",
			       r->charon_bin);
			return -1;
		}
	}
	r->sending_version = (uint8_t)v;
	return v;
}

int xc_standby_send(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	struct xc_standby *r = ctx;

	if (r->heard_version && msg->len && r->heard_version != msg->data[0]) {
		xc_log("charon speaks HA protocol version %u (%s), the replay sends version %u: it would drop every message; give --ha-version %u",
		       r->heard_version, xc_ha_version_speakers(r->heard_version), msg->data[0],
		       r->heard_version);
		return -EPROTO;
	}
	if (send(r->fd, msg->data, msg->len, 0) != (ssize_t)msg->len) {
		xc_log("sending %s to charon: %s", what, strerror(errno));
		return -EIO;
	}
	xc_log("sent %s (%zu bytes)", what, msg->len);
	/* charon handles one message at a time; do not overrun its socket */
	if (++r->sent % 32 == 0)
		sleep_ms(20);
	drain(r);
	return 0;
}

/* Wait until every CHILD_SA of a live IKE_SA has both SAs in the kernel;
 * at the deadline, name each one still missing. */
int xc_standby_check_kernel(struct xc_standby *r, const struct xc_store *s, int64_t deadline)
{
	const struct xc_child *c;
	int missing, last = 0;

	for (;;) {
		missing = 0;
		last = xc_now_ms() >= deadline;
		for (c = s->children; c; c = c->next) {
			const struct xc_ike *ike = xc_store_child_owner(s, c);
			uint32_t reqid = 0;
			int in, out, fam;

			if (!ike || !ike->updated || !ike->has_local || !ike->has_remote)
				continue;
			fam = ike->local.family == XC_HA_AF_INET ? AF_INET : AF_INET6;
			in = xc_xfrm_sa_exists(fam, ike->local.addr, c->spi_in, &reqid);
			out = xc_xfrm_sa_exists(fam, ike->remote.addr, c->spi_out, NULL);
			if (in < 0 || out < 0) {
				xc_log("cannot ask the kernel for SAs: %s", strerror(-(in < 0 ? in : out)));
				return -1;
			}
			if (!in || !out) {
				missing++;
				if (last)
					xc_log("charon did not install CHILD_SA %s spi-in %08x (%s) spi-out %08x (%s) "
					       "within the timeout: see its log (is the config \"%s\" loaded there?)",
					       c->config, c->spi_in, in ? "present" : "missing",
					       c->spi_out, out ? "present" : "missing", c->config);
			} else if (r->kernel_pass_logs) {
				xc_log("CHILD_SA %s spi-in %08x spi-out %08x is in the kernel, reqid %u",
				       c->config, c->spi_in, c->spi_out, reqid);
			}
		}
		if (!missing && !r->kernel_pass_logs) {
			r->kernel_pass_logs = 1;	/* once more, to log the reqids */
			continue;
		}
		if (!missing || last)
			break;
		drain(r);
		sleep_ms(20);
	}
	return missing ? -1 : 0;
}

int xc_standby_settle(struct xc_standby *r, const struct xc_store *s, int64_t deadline)
{
	struct xc_ha_buf *b;
	const struct xc_ike *ike;
	unsigned int i, n = 0, missing;
	char idstr[64];
	int err = -1;

	for (ike = s->ikes; ike; ike = ike->next)
		n += !ike->deleted && ike->updated;
	if (!n)
		return 0;
	b = calloc(1, sizeof(*b));
	r->echo_want = calloc(n, sizeof(*r->echo_want));
	r->echo_got = calloc(n, 1);
	if (!b || !r->echo_want || !r->echo_got) {
		xc_log("out of memory");
		goto out;
	}
	for (ike = s->ikes; ike; ike = ike->next)
		if (!ike->deleted && ike->updated)
			r->echo_want[r->echo_n++] = ike->id;
	xc_ha_begin_v(b, r->sending_version ? r->sending_version : XC_HA_VERSION, XC_HA_RESYNC);
	for (i = 1; i <= r->segments; i++)
		xc_ha_put_u16(b, XC_HA_A_SEGMENT, (uint16_t)i);
	if (send(r->fd, b->data, b->len, 0) != (ssize_t)b->len) {
		xc_log("sending RESYNC to charon: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		drain(r);
		missing = 0;
		for (i = 0; i < r->echo_n; i++)
			missing += !r->echo_got[i];
		if (!missing) {
			xc_log("charon processed the replay: its resync sent back the IKE_UPDATE of all %u IKE_SAs",
			       r->echo_n);
			err = 0;
			break;
		}
		if (xc_now_ms() >= deadline) {
			for (i = 0; i < r->echo_n; i++) {
				if (r->echo_got[i])
					continue;
				xc_ike_id_str(&r->echo_want[i], idstr, sizeof(idstr));
				xc_log("charon did not finish IKE_SA %s within the timeout (no IKE_UPDATE in its resync): see its log (is its peer config loaded there?)",
				       idstr);
			}
			break;
		}
		sleep_ms(2);
	}
out:
	free(b);
	free(r->echo_want);
	free(r->echo_got);
	r->echo_want = NULL;
	r->echo_got = NULL;
	r->echo_n = 0;
	return err;
}

/* "+N" (take) or "-N" (drop) and wait for charon's confirmation. */
static int set_segment(struct xc_standby *r, unsigned int seg, int take, int64_t deadline)
{
	char cmd[16];
	int fd, len;

	len = snprintf(cmd, sizeof(cmd), "%c%u", take ? '+' : '-', seg);
	for (;;) {
		/* charon reopens its FIFO after every command; until then no reader */
		fd = open(r->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0)
			break;
		if (errno != ENXIO || xc_now_ms() >= deadline) {
			xc_log("cannot open charon's HA FIFO %s: %s", r->fifo,
			       errno == ENXIO ? "charon is not reading it" : strerror(errno));
			return -1;
		}
		sleep_ms(10);
	}
	if (write(fd, cmd, (size_t)len) != len) {
		xc_log("writing \"%s\" to %s: %s", cmd, r->fifo, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	while (!!(r->taken & (1u << seg)) != take) {
		if (xc_now_ms() >= deadline) {
			xc_log("charon did not confirm segment %u (no SEGMENT_%s)", seg,
			       take ? "TAKE" : "DROP");
			return -1;
		}
		drain(r);
		sleep_ms(5);
	}
	return 0;
}

int xc_standby_activate(struct xc_standby *r, int64_t deadline)
{
	unsigned int seg;

	for (seg = 1; seg <= r->segments; seg++)
		if (set_segment(r, seg, 1, deadline))
			return -1;
	return 0;
}

int xc_standby_deactivate(struct xc_standby *r, int64_t deadline)
{
	unsigned int seg;
	int rc = 0;

	for (seg = 1; seg <= r->segments; seg++)
		if (set_segment(r, seg, 0, deadline))
			rc = -1;
	return rc;
}
