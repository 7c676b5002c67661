/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef XCBENCH_VIP_H
#define XCBENCH_VIP_H

#include <net/if.h>

/* A gateway's sockets for moving the VIP, made in its network namespace. */
struct vip_socks {
	int route;	/* NETLINK_ROUTE */
	int packet;	/* AF_PACKET, for the gratuitous ARP */
	int inet;	/* for SIOCGIFINDEX / SIOCGIFHWADDR */
	/* the device last asked for, looked up once (as a daemon does) */
	char dev[IF_NAMESIZE];
	int ifindex;
	unsigned char mac[6];
};

int vip_open(struct vip_socks *s);
void vip_close(struct vip_socks *s);
/* The three steps of a move; on error *step names what failed. addr/32 on
 * dev of the new node (an address it has already is no error): */
int vip_add(struct vip_socks *to, const char *dev, const char *addr, const char **step);
/* A gratuitous ARP for addr from the new node: the peer turns to it. */
int vip_announce(struct vip_socks *to, const char *dev, const char *addr, const char **step);
/* addr off the old node (an address it no longer has is no error). */
int vip_del(struct vip_socks *from, const char *dev, const char *addr, const char **step);
/* All three, in this order. */
int vip_move(struct vip_socks *from, struct vip_socks *to,
	     const char *dev, const char *addr, const char **step);

#endif
