// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Moving the tunnel's virtual IP between gateways (xfrmctxd's
 * `move-address = yes`, and xcbench's `vip`), in three steps: RTM_NEWADDR on the new node; a
 * gratuitous ARP from it, so that the LAN (here: the peer) sends to its
 * MAC; RTM_DELADDR on the old node. Only the announcement moves traffic:
 * the address may be added before the hand-over (the peer still sends to
 * the old MAC) and removed after it (the old node's SAs are frozen, and
 * its copy answers no ARP once the peer has the new MAC; for that moment
 * both hold it, as when two VRRP routers briefly disagree). Sockets, not
 * `ip` or `arping`: under TCG starting a process costs about 0.4 s, and a
 * hand-over must not wait for one.
 *
 * The sockets are created when a handle opens (in its namespace); moving
 * the address needs no namespace switch. IPv4 only.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "vip.h"

int vip_open(struct vip_socks *s)
{
	s->ifindex = 0;
	s->dev[0] = '\0';
	s->route = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	s->packet = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ARP));
	s->inet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->route < 0 || s->packet < 0 || s->inet < 0) {
		int err = -errno;

		vip_close(s);
		return err;
	}
	return 0;
}

void vip_close(struct vip_socks *s)
{
	if (s->route >= 0)
		close(s->route);
	if (s->packet >= 0)
		close(s->packet);
	if (s->inet >= 0)
		close(s->inet);
	s->route = s->packet = s->inet = -1;
}

/* dev's index and MAC, asked of the kernel the first time only: an HA
 * daemon knows its devices before a hand-over, it does not look them up
 * inside one. */
static int ifindex_mac(struct vip_socks *s, const char *dev, int *ifindex,
		       unsigned char mac[ETH_ALEN])
{
	struct ifreq ifr;

	if (!s->ifindex || strcmp(s->dev, dev)) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
		if (ioctl(s->inet, SIOCGIFINDEX, &ifr))
			return -errno;
		s->ifindex = ifr.ifr_ifindex;
		if (ioctl(s->inet, SIOCGIFHWADDR, &ifr)) {
			s->ifindex = 0;
			return -errno;
		}
		memcpy(s->mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
		snprintf(s->dev, sizeof(s->dev), "%s", dev);
	}
	*ifindex = s->ifindex;
	memcpy(mac, s->mac, ETH_ALEN);
	return 0;
}

/* addr/32 on or off dev; waits for the kernel's answer. */
static int addr_change(const struct vip_socks *s, int ifindex, struct in_addr addr, int add)
{
	struct {
		struct nlmsghdr n;
		struct ifaddrmsg ifa;
		struct rtattr a1;
		struct in_addr v1;
		struct rtattr a2;
		struct in_addr v2;
	} req;
	struct {
		struct nlmsghdr n;
		struct nlmsgerr e;
		char more[256];
	} ans;
	ssize_t len;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = 32;
	req.ifa.ifa_index = ifindex;
	req.a1.rta_len = RTA_LENGTH(sizeof(addr));
	req.a1.rta_type = IFA_LOCAL;
	req.v1 = addr;
	req.a2.rta_len = RTA_LENGTH(sizeof(addr));
	req.a2.rta_type = IFA_ADDRESS;
	req.v2 = addr;
	if (send(s->route, &req, sizeof(req), 0) < 0)
		return -errno;
	len = recv(s->route, &ans, sizeof(ans), 0);
	if (len < 0)
		return -errno;
	if (len < (ssize_t)(sizeof(ans.n) + sizeof(ans.e)) || ans.n.nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	return ans.e.error;
}

/* An unsolicited ARP request for addr, from the new owner's MAC. */
static int gratuitous_arp(const struct vip_socks *s, int ifindex,
			  const unsigned char mac[ETH_ALEN], struct in_addr addr)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	struct ether_arp arp;

	memset(&arp, 0, sizeof(arp));
	arp.arp_hrd = htons(ARPHRD_ETHER);
	arp.arp_pro = htons(ETH_P_IP);
	arp.arp_hln = ETH_ALEN;
	arp.arp_pln = 4;
	arp.arp_op = htons(ARPOP_REQUEST);
	memcpy(arp.arp_sha, mac, ETH_ALEN);
	memcpy(arp.arp_spa, &addr, 4);
	memcpy(arp.arp_tpa, &addr, 4);
	if (sendto(s->packet, &arp, sizeof(arp), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* addr_text and dev on s: what every step needs. */
static int resolve(struct vip_socks *s, const char *dev, const char *addr_text,
		   struct in_addr *addr, int *ifindex, unsigned char mac[ETH_ALEN],
		   const char **step)
{
	*step = "address";
	if (inet_pton(AF_INET, addr_text, addr) != 1)
		return -EINVAL;
	*step = "device";
	return ifindex_mac(s, dev, ifindex, mac);
}

/* addr/32 on or off dev of s; what is already so is no error. */
static int addr_step(struct vip_socks *s, const char *dev, const char *addr_text, int add,
		     const char **step)
{
	unsigned char mac[ETH_ALEN];
	struct in_addr addr;
	int ifindex, err;

	err = resolve(s, dev, addr_text, &addr, &ifindex, mac, step);
	if (err)
		return err;
	*step = add ? "RTM_NEWADDR on the new node" : "RTM_DELADDR on the old node";
	err = addr_change(s, ifindex, addr, add);
	return err == (add ? -EEXIST : -EADDRNOTAVAIL) ? 0 : err;
}

int vip_add(struct vip_socks *to, const char *dev, const char *addr_text, const char **step)
{
	return addr_step(to, dev, addr_text, 1, step);
}

int vip_announce(struct vip_socks *to, const char *dev, const char *addr_text,
		 const char **step)
{
	unsigned char mac[ETH_ALEN];
	struct in_addr addr;
	int ifindex, err;

	err = resolve(to, dev, addr_text, &addr, &ifindex, mac, step);
	if (err)
		return err;
	*step = "gratuitous ARP";
	return gratuitous_arp(to, ifindex, mac, addr);
}

int vip_del(struct vip_socks *from, const char *dev, const char *addr_text, const char **step)
{
	return addr_step(from, dev, addr_text, 0, step);
}

int vip_move(struct vip_socks *from, struct vip_socks *to,
	     const char *dev, const char *addr_text, const char **step)
{
	return vip_add(to, dev, addr_text, step) ?:
	       vip_announce(to, dev, addr_text, step) ?:
	       vip_del(from, dev, addr_text, step);
}
