// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctx-ike replay: be the `remote` of a standby charon's HA plugin and
 * send it the recorded IKE_SAs (ike_replay.h gives the order). charon
 * installs each CHILD_SA's SAs and policies in the kernel as it takes them,
 * which is how the replay checks they arrived. With --activate, write "+N"
 * for each segment into charon's HA control FIFO: its passive IKE_SAs
 * become established, and charon confirms with a SEGMENT_TAKE message.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ha_wire.h"
#include "ike_cmd.h"
#include "ike_file.h"
#include "ike_net.h"
#include "ike_replay.h"
#include "ike_store.h"
#include "ike_xfrm.h"

struct replayer {
	struct xc_addr listen, charon;
	const char *file, *fifo;
	unsigned long segments, timeout;
	int activate, kernel_check;
	int fd;
	uint32_t taken;		/* segments charon confirmed */
	unsigned int sent;
	int kernel_pass_logs;	/* log each SA's reqid (the pass after success) */
};

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Read what charon sends us: SEGMENT_TAKE/DROP, STATUS, RESYNC. */
static void drain(struct replayer *r)
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
		if (xc_ha_parse(buf, (size_t)n, &m, why, sizeof(why))) {
			xc_log("ignored a datagram from charon: %s", why);
			continue;
		}
		for (i = 0; i < m.nattrs; i++) {
			if (m.attrs[i].type != XC_HA_A_SEGMENT)
				continue;
			if (m.type == XC_HA_SEGMENT_TAKE && m.attrs[i].v.u16 < 32)
				r->taken |= 1u << m.attrs[i].v.u16;
			xc_log("charon: %s segment %u", xc_ha_msg_name(m.type), m.attrs[i].v.u16);
		}
		if (m.type == XC_HA_STATUS && !xc_ha_count(&m, XC_HA_A_SEGMENT))
			xc_log("charon: STATUS, no segment active");
	}
}

static int send_msg(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	struct replayer *r = ctx;

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
static int check_kernel(struct replayer *r, const struct xc_store *s, int64_t deadline)
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

static int activate_segment(struct replayer *r, unsigned int seg, int64_t deadline)
{
	char cmd[16];
	int fd, len;

	len = snprintf(cmd, sizeof(cmd), "+%u", seg);
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
	while (!(r->taken & (1u << seg))) {
		if (xc_now_ms() >= deadline) {
			xc_log("charon did not confirm segment %u (no SEGMENT_TAKE)", seg);
			return -1;
		}
		drain(r);
		sleep_ms(5);
	}
	return 0;
}

/* replay (with_file) or activate */
static int parse_args(struct replayer *r, int argc, char **argv, int with_file)
{
	const char *cmd = with_file ? "replay" : "activate";
	const char *listen = NULL, *charon = NULL;
	char why[128];
	int i;

	r->fifo = "/var/run/charon.ha";
	r->segments = 1;
	r->timeout = 10;
	r->kernel_check = 1;
	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--listen") && v) {
			listen = v;
			i++;
		} else if (!strcmp(o, "--charon") && v) {
			charon = v;
			i++;
		} else if (!strcmp(o, "--file") && v && with_file) {
			r->file = v;
			i++;
		} else if (!strcmp(o, "--fifo") && v) {
			r->fifo = v;
			i++;
		} else if (!strcmp(o, "--segments")) {
			if (xc_opt_uint(o, v, 31, &r->segments))
				return -1;
			if (!r->segments) {
				xc_err("--segments 0: charon numbers segments from 1");
				return -1;
			}
			i++;
		} else if (!strcmp(o, "--timeout")) {
			if (xc_opt_uint(o, v, 3600, &r->timeout))
				return -1;
			i++;
		} else if (!strcmp(o, "--activate") && with_file) {
			r->activate = 1;
		} else if (!strcmp(o, "--no-kernel-check") && with_file) {
			r->kernel_check = 0;
		} else {
			xc_err("%s: unknown or incomplete option \"%s\"", cmd, o);
			return -1;
		}
	}
	if (!listen || !charon || (with_file && !r->file)) {
		xc_err("%s: --listen, --charon%s are required", cmd, with_file ? " and --file" : "");
		return -1;
	}
	if (xc_addr_parse(listen, XC_HA_PORT, &r->listen, why, sizeof(why)) ||
	    xc_addr_parse(charon, XC_HA_PORT, &r->charon, why, sizeof(why))) {
		xc_err("%s: %s", cmd, why);
		return -1;
	}
	return 0;
}

/* The HA socket of the hook: bound to --listen, connected to --charon, so
 * that ICMP errors tell when charon is not there. */
static int open_channel(struct replayer *r, const char *cmd)
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
		return -1;
	}
	return 0;
}

static int activate_all(struct replayer *r, int64_t deadline)
{
	unsigned int seg;

	for (seg = 1; seg <= r->segments; seg++)
		if (activate_segment(r, seg, deadline))
			return -1;
	return 0;
}

int cmd_activate(int argc, char **argv)
{
	struct replayer r;
	int64_t t0;

	memset(&r, 0, sizeof(r));
	if (parse_args(&r, argc, argv, 0))
		return 2;
	if (open_channel(&r, "activate"))
		return 1;
	t0 = xc_now_ms();
	if (activate_all(&r, t0 + (int64_t)r.timeout * 1000)) {
		close(r.fd);
		return 1;
	}
	xc_log("charon activated segments 1..%lu after %lld ms", r.segments,
	       (long long)(xc_now_ms() - t0));
	printf("activate segments %lu active_ms %lld\n", r.segments, (long long)(xc_now_ms() - t0));
	close(r.fd);
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	struct xc_replay_stats st;
	struct xc_ikef_meta meta;
	struct xc_store s;
	struct replayer r;
	char why[256];
	uint8_t *data = NULL;
	size_t len = 0;
	int64_t t0, t_sent, t_kernel, t_active, deadline;
	int err;

	memset(&r, 0, sizeof(r));
	if (parse_args(&r, argc, argv, 1))
		return 2;
	if (xc_file_read(r.file, XC_MAX_FILE, &data, &len, why, sizeof(why))) {
		xc_err("replay: %s", why);
		return 1;
	}
	err = xc_ikef_decode(data, len, &s, &meta, why, sizeof(why));
	xc_file_free(data, len);
	if (err) {
		xc_err("replay: %s: %s", r.file, why);
		return 1;
	}
	if (!xc_addr_is_loopback(&r.charon))
		xc_log("warning: replaying key material over the network to %s; run the replay on the standby itself (loopback) or protect the channel with IPsec",
		       meta.source);
	if (open_channel(&r, "replay")) {
		xc_store_free(&s);
		return 1;
	}

	t0 = xc_now_ms();
	deadline = t0 + (int64_t)r.timeout * 1000;
	err = xc_replay_build(&s, send_msg, &r, &st, why, sizeof(why));
	if (err) {
		xc_log("replay stopped: %s", err == -EINVAL ? why : "cannot send");
		goto fail;
	}
	t_sent = xc_now_ms();
	xc_log("sent %u messages: %u IKE_SAs (+%u keying predecessors), %u CHILD_SAs, %u never established skipped, in %lld ms",
	       st.messages, st.ike_sas, st.keying, st.children, st.skipped, (long long)(t_sent - t0));
	t_kernel = t_sent;
	if (r.kernel_check) {
		if (check_kernel(&r, &s, deadline))
			goto fail;
		t_kernel = xc_now_ms();
		xc_log("charon installed all %u CHILD_SAs in the kernel after %lld ms",
		       st.children, (long long)(t_kernel - t0));
	}
	t_active = t_kernel;
	if (r.activate) {
		if (activate_all(&r, deadline))
			goto fail;
		t_active = xc_now_ms();
		xc_log("charon activated segments 1..%lu after %lld ms", r.segments,
		       (long long)(t_active - t0));
	}
	printf("replay ike_sas %u children %u messages %u sent_ms %lld kernel_ms %lld active_ms %lld\n",
	       st.ike_sas, st.children, st.messages, (long long)(t_sent - t0),
	       (long long)(t_kernel - t0), r.activate ? (long long)(t_active - t0) : -1LL);
	close(r.fd);
	xc_store_free(&s);
	return 0;
fail:
	close(r.fd);
	xc_store_free(&s);
	return 1;
}
