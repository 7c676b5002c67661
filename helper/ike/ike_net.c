// SPDX-License-Identifier: GPL-2.0-or-later
/* The UDP side of the HA channel (see ike_net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ha_wire.h"
#include "ike_net.h"

int xc_addr_parse(const char *s, uint16_t port, struct xc_addr *a, char *why, size_t whylen)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		a->len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		a->len = sizeof(*in6);
		return 0;
	}
	snprintf(why, whylen, "\"%s\" is not a numeric IPv4 or IPv6 address", s);
	return -EINVAL;
}

int xc_addr_eq(const struct xc_addr *a, const struct xc_addr *b)
{
	const struct sockaddr_in *a4 = (const void *)&a->ss, *b4 = (const void *)&b->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss, *b6 = (const void *)&b->ss;

	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return a4->sin_port == b4->sin_port && a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->ss.ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
	return 0;
}

int xc_addr_is_loopback(const struct xc_addr *a)
{
	const struct sockaddr_in *a4 = (const void *)&a->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
	return a->ss.ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
}

void xc_addr_fmt(const struct xc_addr *a, char *buf, size_t len)
{
	const struct sockaddr_in *a4 = (const void *)&a->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss;
	char s[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &a4->sin_addr, s, sizeof(s));
		snprintf(buf, len, "%s:%u", s, ntohs(a4->sin_port));
	} else if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &a6->sin6_addr, s, sizeof(s));
		snprintf(buf, len, "[%s]:%u", s, ntohs(a6->sin6_port));
	} else {
		snprintf(buf, len, "(family %u)", a->ss.ss_family);
	}
}

void xc_addr_raw(const struct xc_addr *a, uint8_t *family, uint8_t addr[16])
{
	const struct sockaddr_in *a4 = (const void *)&a->ss;
	const struct sockaddr_in6 *a6 = (const void *)&a->ss;

	memset(addr, 0, 16);
	if (a->ss.ss_family == AF_INET) {
		*family = XC_HA_AF_INET;
		memcpy(addr, &a4->sin_addr, 4);
	} else {
		*family = XC_HA_AF_INET6;
		memcpy(addr, &a6->sin6_addr, 16);
	}
}

int xc_udp_open(const struct xc_addr *local, char *why, size_t whylen)
{
	char s[64];
	int fd, err;

	fd = socket(local->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		snprintf(why, whylen, "socket: %s", strerror(err));
		return -err;
	}
	if (bind(fd, (const struct sockaddr *)&local->ss, local->len)) {
		err = errno;
		xc_addr_fmt(local, s, sizeof(s));
		snprintf(why, whylen, "cannot bind %s: %s", s, strerror(err));
		close(fd);
		return -err;
	}
	return fd;
}

long xc_udp_recv(int fd, uint8_t *buf, size_t len, struct xc_addr *from, int *truncated)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &from->ss,
		.msg_namelen = sizeof(from->ss),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	memset(from, 0, sizeof(*from));
	n = recvmsg(fd, &msg, 0);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	from->len = msg.msg_namelen;
	*truncated = !!(msg.msg_flags & MSG_TRUNC);
	return (long)n;
}
