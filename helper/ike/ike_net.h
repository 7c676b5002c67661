/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The UDP side of the HA channel: addresses, the socket, the sender check. */
#ifndef XC_IKE_NET_H
#define XC_IKE_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct xc_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* A numeric IPv4 or IPv6 address with a port. -EINVAL (why) otherwise. */
int xc_addr_parse(const char *s, uint16_t port, struct xc_addr *a, char *why, size_t whylen);
int xc_addr_eq(const struct xc_addr *a, const struct xc_addr *b);	/* address and port */
int xc_addr_is_loopback(const struct xc_addr *a);
void xc_addr_fmt(const struct xc_addr *a, char *buf, size_t len);	/* "10.0.0.2:4510" */
/* The address in the family/byte layout of the HA wire (ha_wire.h). */
void xc_addr_raw(const struct xc_addr *a, uint8_t *family, uint8_t addr[16]);

/* A UDP socket bound to local, non-blocking. fd or -errno (why). */
int xc_udp_open(const struct xc_addr *local, char *why, size_t whylen);

/* Receive one datagram; MSG_TRUNC reported as *truncated. Returns length,
 * -EAGAIN when nothing is waiting, other -errno on error. */
long xc_udp_recv(int fd, uint8_t *buf, size_t len, struct xc_addr *from, int *truncated);

#endif
