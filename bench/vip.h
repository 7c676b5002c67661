/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef XCBENCH_VIP_H
#define XCBENCH_VIP_H

/* A gateway's sockets for moving the VIP, made in its network namespace. */
struct vip_socks {
	int route;	/* NETLINK_ROUTE */
	int packet;	/* AF_PACKET, for the gratuitous ARP */
	int inet;	/* for SIOCGIFINDEX / SIOCGIFHWADDR */
};

int vip_open(struct vip_socks *s);
void vip_close(struct vip_socks *s);
/* Put addr/32 on dev on to, announce it, take it off dev on from. On error
 * *step names what failed. */
int vip_move(const struct vip_socks *from, const struct vip_socks *to,
	     const char *dev, const char *addr, const char **step);

#endif
