// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * XFRM async events (Documentation/networking/xfrm_sync.rst). While some
 * socket of a namespace listens on XFRMNLGRP_AEVENTS, the kernel sends an
 * XFRM_MSG_NEWAE for an SA when one of its sequence counters advanced by
 * replay-maxdiff packets since the last event (flag XFRM_AE_CR), or when
 * its replay-maxage timer ran out and the counters changed (XFRM_AE_CE).
 * XFRMNLGRP_SA carries SA additions, updates and deletions. The sync loop
 * sleeps on these instead of polling every SA.
 *
 * The thresholds are per SA and set with XFRM_MSG_NEWAE + NLM_F_REPLACE.
 * The kernel takes XFRMA_ETIMER_THRESH there in jiffies but reports it in
 * tenths of a second (XFRM_MSG_GETAE), so HZ is measured once by setting a
 * value and reading it back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/xfrm.h>

#include "channel.h"

struct xc_aevents {
	int ev;		/* subscribed to XFRMNLGRP_SA and XFRMNLGRP_AEVENTS */
	int req;	/* requests: NEWAE, GETAE */
	uint32_t seq;
	unsigned int hz;	/* kernel HZ; 0 until measured */
};

static int nl_socket(int groups_sa_ae, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM), g, ret;
	int rcvbuf = 1 << 20;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		goto fail;
	if (groups_sa_ae) {
		g = XFRMNLGRP_SA;
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
		g = XFRMNLGRP_AEVENTS;
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g)) < 0)
			goto fail;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	return fd;
fail:
	ret = -errno;
	snprintf(err, errlen, "cannot open an XFRM netlink socket: %s", strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

int xc_aevents_open(struct xc_aevents **aep, char *err, size_t errlen)
{
	struct xc_aevents *ae = calloc(1, sizeof(*ae));

	*aep = NULL;
	if (!ae) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ae->ev = nl_socket(1, err, errlen);
	ae->req = ae->ev < 0 ? -1 : nl_socket(0, err, errlen);
	if (ae->ev < 0 || ae->req < 0) {
		int ret = ae->ev < 0 ? ae->ev : ae->req;

		xc_aevents_close(ae);
		return ret;
	}
	*aep = ae;
	return 0;
}

void xc_aevents_close(struct xc_aevents *ae)
{
	if (!ae)
		return;
	if (ae->ev >= 0)
		close(ae->ev);
	if (ae->req >= 0)
		close(ae->req);
	free(ae);
}

int xc_aevents_fd(const struct xc_aevents *ae)
{
	return ae->ev;
}

static int reqid_matches(uint32_t r, uint32_t reqid, int has_reqid)
{
	return !has_reqid || r == reqid;
}

int xc_aevents_read(struct xc_aevents *ae, uint32_t reqid, int has_reqid,
		    unsigned int *what, char *err, size_t errlen)
{
	static uint8_t buf[65536] __attribute__((aligned(4)));
	ssize_t n;

	for (;;) {
		struct nlmsghdr *h;
		int len;

		n = recv(ae->ev, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == ENOBUFS) {
				/* The queue overflowed: some events are lost. */
				*what |= XC_AE_OVERRUN | XC_AE_SA | XC_AE_COUNTERS;
				continue;
			}
			snprintf(err, errlen, "reading XFRM events: %s", strerror(errno));
			return -errno;
		}
		len = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			switch (h->nlmsg_type) {
			case XFRM_MSG_NEWAE: {
				const struct xfrm_aevent_id *id = NLMSG_DATA(h);

				/* XFRM_AE_CU: someone (we) set thresholds. */
				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*id)) &&
				    (id->flags & (XFRM_AE_CR | XFRM_AE_CE)) &&
				    reqid_matches(id->reqid, reqid, has_reqid))
					*what |= XC_AE_COUNTERS;
				break;
			}
			case XFRM_MSG_NEWSA:
			case XFRM_MSG_UPDSA: {
				const struct xfrm_usersa_info *p = NLMSG_DATA(h);

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*p)) &&
				    reqid_matches(p->reqid, reqid, has_reqid))
					*what |= XC_AE_SA;
				break;
			}
			case XFRM_MSG_EXPIRE: {
				const struct xfrm_user_expire *p = NLMSG_DATA(h);

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*p)) &&
				    reqid_matches(p->state.reqid, reqid, has_reqid))
					*what |= XC_AE_SA;
				break;
			}
			case XFRM_MSG_DELSA:
			case XFRM_MSG_FLUSHSA:
				*what |= XC_AE_SA;
				break;
			default:
				break;
			}
		}
	}
}

static void put_attr(uint8_t *msg, uint32_t *len, uint16_t type, const void *p, uint16_t plen)
{
	struct nlattr *a = (struct nlattr *)(msg + *len);

	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + plen);
	memcpy(msg + *len + NLA_HDRLEN, p, plen);
	*len += NLA_ALIGN(a->nla_len);
}

/* Build a NEWAE (set) or GETAE (read back) for sa. */
static uint32_t build_ae(struct xc_aevents *ae, uint8_t *msg, uint16_t type,
			 const struct xfrmctx_sa *sa, int set, uint32_t maxdiff, uint32_t etimer)
{
	struct nlmsghdr *h = (struct nlmsghdr *)msg;
	struct xfrm_aevent_id *id = NLMSG_DATA(h);
	uint32_t len = NLMSG_LENGTH(sizeof(*id));

	memset(msg, 0, len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | (set ? NLM_F_REPLACE | NLM_F_ACK : 0);
	h->nlmsg_seq = ++ae->seq;
	id->sa_id.daddr = sa->daddr;
	id->sa_id.spi = htonl(sa->spi);
	id->sa_id.family = sa->family;
	id->sa_id.proto = sa->proto;
	id->saddr = sa->saddr;
	id->reqid = sa->reqid;
	id->flags = set ? 0 : XFRM_AE_RTHR | XFRM_AE_ETHR;
	len = NLMSG_ALIGN(len);
	if (set) {
		put_attr(msg, &len, XFRMA_REPLAY_THRESH, &maxdiff, 4);
		put_attr(msg, &len, XFRMA_ETIMER_THRESH, &etimer, 4);
	}
	if (XFRMCTX_SA_HAS(sa, XFRM_CTX_SA_MARK)) {
		struct xfrm_mark m = { .v = sa->mark, .m = sa->mark_mask };

		put_attr(msg, &len, XFRMA_MARK, &m, sizeof(m));
	}
	h->nlmsg_len = len;
	return len;
}

/* Send msg on the request socket; copy the reply (or the error) back. */
static int request(struct xc_aevents *ae, uint8_t *msg, uint32_t len, uint32_t *etimer_out)
{
	static uint8_t buf[8192] __attribute__((aligned(4)));
	uint32_t seq = ((struct nlmsghdr *)msg)->nlmsg_seq;
	struct pollfd pfd = { .fd = ae->req, .events = POLLIN };
	ssize_t n;

	if (send(ae->req, msg, len, 0) < 0)
		return -errno;
	for (;;) {
		struct nlmsghdr *h;
		int rem;

		if (poll(&pfd, 1, 2000) <= 0)
			return -ETIMEDOUT;
		n = recv(ae->req, buf, sizeof(buf), 0);
		if (n < 0)
			return -errno;
		rem = (int)n;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, rem); h = NLMSG_NEXT(h, rem)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (h->nlmsg_type == XFRM_MSG_NEWAE && etimer_out) {
				const struct nlattr *a;
				int alen = (int)h->nlmsg_len - NLMSG_LENGTH(sizeof(struct xfrm_aevent_id));

				a = (const struct nlattr *)((const uint8_t *)NLMSG_DATA(h) +
							    NLMSG_ALIGN(sizeof(struct xfrm_aevent_id)));
				for (; alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= alen;
				     alen -= NLA_ALIGN(a->nla_len),
				     a = (const struct nlattr *)((const uint8_t *)a + NLA_ALIGN(a->nla_len)))
					if ((a->nla_type & NLA_TYPE_MASK) == XFRMA_ETIMER_THRESH &&
					    a->nla_len >= NLA_HDRLEN + 4)
						memcpy(etimer_out, (const uint8_t *)a + NLA_HDRLEN, 4);
				return 0;
			}
		}
	}
}

/* Set 100000 jiffies, read back 100000 * 10 / HZ. */
static int measure_hz(struct xc_aevents *ae, const struct xfrmctx_sa *sa, uint32_t maxdiff)
{
	uint8_t msg[256] __attribute__((aligned(4)));
	uint32_t len, tenths = 0;
	int ret;

	len = build_ae(ae, msg, XFRM_MSG_NEWAE, sa, 1, maxdiff, 100000);
	ret = request(ae, msg, len, NULL);
	if (ret)
		return ret;
	len = build_ae(ae, msg, XFRM_MSG_GETAE, sa, 0, 0, 0);
	ret = request(ae, msg, len, &tenths);
	if (ret)
		return ret;
	if (!tenths)
		return -EPROTO;
	ae->hz = (1000000 + tenths / 2) / tenths;
	return 0;
}

int xc_aevents_set_thresholds(struct xc_aevents *ae, const struct xfrmctx_sa *sa,
			      uint32_t maxdiff, uint32_t maxage_ms, char *err, size_t errlen)
{
	uint8_t msg[256] __attribute__((aligned(4)));
	uint32_t len;
	int ret;

	if (!ae->hz) {
		ret = measure_hz(ae, sa, maxdiff);
		if (ret) {
			snprintf(err, errlen, "cannot set the async event thresholds of SA 0x%08x: %s",
				 sa->spi, strerror(-ret));
			return ret;
		}
	}
	len = build_ae(ae, msg, XFRM_MSG_NEWAE, sa, 1, maxdiff,
		       (uint32_t)(((uint64_t)maxage_ms * ae->hz + 999) / 1000));
	ret = request(ae, msg, len, NULL);
	if (ret)
		snprintf(err, errlen, "cannot set the async event thresholds of SA 0x%08x: %s",
			 sa->spi, strerror(-ret));
	return ret;
}
