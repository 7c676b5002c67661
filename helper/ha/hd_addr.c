// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel address (`address` in the configuration): keepalived or
 * Pacemaker's IPaddr2 moves it; the daemon follows it through rtnetlink
 * address events, so the take-over starts the moment the address arrives,
 * without a process start, and the hand-over the moment it leaves.
 * keepalived's notify script is then only a second way in (idempotent).
 * With move-address = yes the daemons move it themselves (below).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hd.h"

static int want_family;
static uint8_t want[16];

int hd_addr_open(struct hd *d, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int fd;

	if (!d->conf.address[0])
		return 0;
	if (d->conf.move_address) {
		int r = vip_open(&d->vip);

		if (r) {
			snprintf(err, errlen, "move-address: %s", strerror(-r));
			return r;
		}
	}
	if (inet_pton(AF_INET, d->conf.address, want) == 1)
		want_family = AF_INET;
	else if (inet_pton(AF_INET6, d->conf.address, want) == 1)
		want_family = AF_INET6;
	else {
		snprintf(err, errlen, "address \"%s\" is not an IPv4 or IPv6 address", d->conf.address);
		return -EINVAL;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	d->addr_fd = fd;
	return 0;
}

/* 1 if msg is about our address: *added says which way. */
static int ours(struct nlmsghdr *nh, int *added)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct rtattr *rta = IFA_RTA(ifa);
	int len = (int)IFA_PAYLOAD(nh);

	if (ifa->ifa_family != want_family)
		return 0;
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type != IFA_LOCAL && rta->rta_type != IFA_ADDRESS)
			continue;
		if (!memcmp(RTA_DATA(rta), want, want_family == AF_INET ? 4 : 16)) {
			*added = nh->nlmsg_type == RTM_NEWADDR;
			return 1;
		}
	}
	return 0;
}

/* Ask once (at start): dump the addresses. */
int hd_addr_present(struct hd *d)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETADDR,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.ifa = { .ifa_family = (uint8_t)want_family },
	};
	char buf[16384];
	int fd, found = 0, done = 0;

	if (!d->conf.address[0])
		return 0;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		int added;

		if (n <= 0)
			break;
		for (; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (nh->nlmsg_type == RTM_NEWADDR && ours(nh, &added))
				found = 1;
		}
	}
	close(fd);
	return found;
}

/* The address is (added) or is not here: follow it. */
static void follow(struct hd *d, int added, const char *how)
{
	char out[400];

	if (added == d->address_here)
		return;
	d->address_here = added;
	if (!added && d->resigning) {
		/* the peer is master: from FAULT to a backup that stays one */
		d->resigning = 0;
		hd_track(d);
	}
	hd_log("the tunnel address %s %s%s", d->conf.address, added ? "arrived" : "left", how);
	if (added && d->role == HD_STANDBY)
		hd_become_active(d, "the tunnel address arrived", out, sizeof(out));
	else if (!added && d->role == HD_ACTIVE)
		hd_become_standby(d, 0, "the tunnel address left", out, sizeof(out));
}

void hd_addr_read(struct hd *d)
{
	char buf[8192];
	ssize_t n;
	int p;

	while ((n = recv(d->addr_fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;
		int added;

		for (; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n))
			if ((nh->nlmsg_type == RTM_NEWADDR || nh->nlmsg_type == RTM_DELADDR) &&
			    ours(nh, &added))
				follow(d, added, "");
	}
	/* events were lost (the socket overflowed): ask the kernel instead */
	if (n < 0 && errno == ENOBUFS) {
		p = hd_addr_present(d);
		if (p >= 0)
			follow(d, p, " (address events lost: read back)");
	}
}

/*
 * move-address = yes: the daemons move the address themselves on a planned
 * switchover, in the order of the kernel-only hand-over (bench/gap.py):
 * the new node adds it when the switchover is announced (PREPARE; the LAN
 * still sends to the old node's MAC), announces it with a gratuitous ARP
 * when the hand-over arrives, right before its one update with thaw, and the old node takes its copy off after
 * the hand-over is sent. Only the announcement is inside the gap.
 */
int hd_addr_add(struct hd *d, int announce)
{
	const char *step = "";
	int err = 0;

	if (!d->conf.move_address)
		return 0;
	if (!d->address_here) {
		d->address_here = 1;	/* our own event is no news */
		err = vip_add(&d->vip, d->conf.interface, d->conf.address, &step);
	}
	if (!err && announce)
		err = vip_announce(&d->vip, d->conf.interface, d->conf.address, &step);
	if (err) {
		hd_log("cannot put the tunnel address %s on %s: %s: %s", d->conf.address,
		       d->conf.interface, step, strerror(-err));
		return err;
	}
	hd_dbg(d, "the tunnel address %s is on %s%s", d->conf.address, d->conf.interface,
	       announce ? " (announced)" : "");
	return 0;
}

int hd_addr_del(struct hd *d)
{
	const char *step = "";
	int err;

	if (!d->conf.move_address || !d->address_here)
		return 0;
	d->address_here = 0;
	d->prepared_until = 0;
	err = vip_del(&d->vip, d->conf.interface, d->conf.address, &step);
	if (err)
		hd_log("cannot take the tunnel address %s off %s: %s: %s", d->conf.address,
		       d->conf.interface, step, strerror(-err));
	return err;
}

/* The peer announced a switchover and sent no hand-over in time: alive, it
 * gave up (the address comes off again); gone, it died in the middle, and
 * this node takes the tunnels from its last snapshot, with a jump. */
void hd_addr_tick(struct hd *d, int64_t now)
{
	static int64_t checked;
	char out[400];
	int p;

	/* Events are the fast path; once a second the kernel is asked too, so
	 * that a missed event cannot leave a hand-over waiting for an address
	 * that is already here (or a node active without it). Not while a
	 * switchover we prepared is under way: that address is ours. */
	if (d->conf.address[0] && !d->prepared_until && now - checked >= 1000) {
		checked = now;
		p = hd_addr_present(d);
		if (p >= 0)
			follow(d, p, " (read back)");
	}

	if (d->resigning && now >= d->resign_until) {
		hd_log("the tunnel address did not leave within 10 s of the switchover: keepalived's instance goes back from FAULT to a backup");
		d->resigning = 0;
		hd_track(d);
	}
	if (!d->prepared_until || now < d->prepared_until)
		return;
	d->prepared_until = 0;
	if (d->role != HD_STANDBY)
		return;
	if (hd_link_up(d)) {
		hd_log("the announced switchover did not come: the tunnel address goes off again");
		hd_addr_del(d);
	} else {
		hd_become_active(d, "the peer vanished during its switchover", out, sizeof(out));
	}
}
