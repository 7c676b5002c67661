// SPDX-License-Identifier: GPL-2.0-or-later
/* XFRM netlink queries of the hook (see ike_xfrm.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ha_wire.h"
#include "ike_xfrm.h"

static int nl_open(void)
{
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int nl_send(int fd, struct nlmsghdr *nlh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Does the first plen bits of addr match sel? */
static int prefix_match(const uint8_t *sel, const uint8_t *addr, unsigned int plen, unsigned int alen)
{
	unsigned int bytes = plen / 8, bits = plen % 8;

	if (plen > alen * 8)
		return 0;
	if (memcmp(sel, addr, bytes))
		return 0;
	if (bits && ((sel[bytes] ^ addr[bytes]) & (0xff << (8 - bits))))
		return 0;
	return 1;
}

static int port_match(uint16_t port_be, uint16_t mask_be, uint16_t want)
{
	return !mask_be || (ntohs(port_be) & ntohs(mask_be)) == (want & ntohs(mask_be));
}

static void sockaddr_raw(const struct xc_addr *a, uint8_t raw[16], uint16_t *port)
{
	uint8_t fam;

	xc_addr_raw(a, &fam, raw);
	*port = ntohs(a->ss.ss_family == AF_INET ?
		      ((const struct sockaddr_in *)&a->ss)->sin_port :
		      ((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

static int policy_protects(const struct nlmsghdr *nlh, const struct xc_addr *from,
			   const struct xc_addr *to)
{
	const struct xfrm_userpolicy_info *p = NLMSG_DATA(nlh);
	const struct xfrm_selector *sel = &p->sel;
	unsigned int alen = from->ss.ss_family == AF_INET ? 4 : 16;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	const struct rtattr *rta;
	int rlen;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*p)))
		return 0;
	if (p->dir != XFRM_POLICY_IN || p->action != XFRM_POLICY_ALLOW)
		return 0;
	if (sel->family != from->ss.ss_family)
		return 0;
	sockaddr_raw(from, src, &sport);
	sockaddr_raw(to, dst, &dport);
	if (!prefix_match((const uint8_t *)&sel->saddr, src, sel->prefixlen_s, alen) ||
	    !prefix_match((const uint8_t *)&sel->daddr, dst, sel->prefixlen_d, alen))
		return 0;
	if (sel->proto && sel->proto != IPPROTO_UDP)
		return 0;
	if (!port_match(sel->sport, sel->sport_mask, sport) ||
	    !port_match(sel->dport, sel->dport_mask, dport))
		return 0;
	/* an IPsec template with ESP or AH must be required */
	rta = (const struct rtattr *)((const uint8_t *)p + NLMSG_ALIGN(sizeof(*p)));
	rlen = (int)nlh->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(sizeof(*p)));
	for (; RTA_OK(rta, rlen); rta = RTA_NEXT(rta, rlen)) {
		const struct xfrm_user_tmpl *t = RTA_DATA(rta);
		size_t n, i;

		if (rta->rta_type != XFRMA_TMPL)
			continue;
		n = RTA_PAYLOAD(rta) / sizeof(*t);
		for (i = 0; i < n; i++)
			if ((t[i].id.proto == IPPROTO_ESP || t[i].id.proto == IPPROTO_AH) &&
			    !t[i].optional)
				return 1;
	}
	return 0;
}

int xc_xfrm_channel_protected(const struct xc_addr *from, const struct xc_addr *to)
{
	struct {
		struct nlmsghdr nlh;
		struct xfrm_userpolicy_id id;
	} req;
	size_t buflen = 65536;
	uint8_t *buf;
	int fd, err, found = 0, done = 0;

	fd = nl_open();
	if (fd < 0)
		return fd;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = XFRM_MSG_GETPOLICY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = 1;
	err = nl_send(fd, &req.nlh);
	buf = malloc(buflen);
	if (!buf)
		err = -ENOMEM;
	while (!err && !done) {
		ssize_t n = recv(fd, buf, buflen, 0);
		struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			err = -errno;
			break;
		}
		len = (int)n;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				err = e->error ? e->error : -EPROTO;
				break;
			}
			if (nlh->nlmsg_type == XFRM_MSG_NEWPOLICY && policy_protects(nlh, from, to))
				found = 1;
		}
	}
	free(buf);
	close(fd);
	return err ? err : found;
}

int xc_xfrm_sa_exists(int family, const uint8_t *daddr, uint32_t spi, uint32_t *reqid)
{
	struct {
		struct nlmsghdr nlh;
		struct xfrm_usersa_id id;
	} req;
	uint8_t buf[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	ssize_t n;
	int fd, err;

	fd = nl_open();
	if (fd < 0)
		return fd;
	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = XFRM_MSG_GETSA;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	memcpy(&req.id.daddr, daddr, family == AF_INET ? 4 : 16);
	req.id.spi = htonl(spi);
	req.id.family = (uint16_t)family;
	req.id.proto = IPPROTO_ESP;
	err = nl_send(fd, &req.nlh);
	if (!err) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			err = -errno;
		else if (!NLMSG_OK(nlh, (int)n))
			err = -EPROTO;
	}
	close(fd);
	if (err)
		return err;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(nlh);

		return e->error == -ESRCH || e->error == -ENOENT ? 0 : (e->error ? e->error : -EPROTO);
	}
	if (nlh->nlmsg_type != XFRM_MSG_NEWSA || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct xfrm_usersa_info)))
		return -EPROTO;
	if (reqid)
		*reqid = ((const struct xfrm_usersa_info *)NLMSG_DATA(nlh))->reqid;
	return 1;
}
