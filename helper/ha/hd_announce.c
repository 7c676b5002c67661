// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The gratuitous ARP of a take-over (move-address), sent by a thread of its
 * own while the main thread updates and thaws the SAs.
 *
 * Why a thread: on a virtual LAN (veth, a bridge) the send runs the
 * neighbours' ARP processing inside the system call; under emulation that
 * took 0.3-0.6 ms of a planned switchover's ~6, and the update does not
 * depend on it. Order is kept where it matters: the address is on this node
 * before the announcement is handed over, and what the LAN sends before the
 * thaw meets frozen SAs here as it met them on the old node. The main
 * thread collects the result after the thaw; a failed announcement is sent
 * once more from the main thread and then only logged (the address is here:
 * the neighbours' next ARP resolution finds this node).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "hd.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	int running, stop;
	int pending, done, err;
	struct vip_arp arp;
	int64_t sent_us;
} an = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *announcer(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&an.mu);
	for (;;) {
		struct vip_arp a;
		int err;

		while (!an.pending && !an.stop)
			pthread_cond_wait(&an.cv, &an.mu);
		if (an.stop)
			break;
		a = an.arp;
		an.pending = 0;
		pthread_mutex_unlock(&an.mu);
		err = vip_arp_send(&a);
		pthread_mutex_lock(&an.mu);
		an.err = err;
		an.sent_us = hd_wall_us();
		an.done = 1;
		pthread_cond_broadcast(&an.cv);
	}
	pthread_mutex_unlock(&an.mu);
	return NULL;
}

/* After go_realtime(): the thread inherits the main thread's policy. */
void hd_announce_start(struct hd *d)
{
	pthread_attr_t attr;
	int err;

	if (!d->conf.move_address || an.running)
		return;
	/* a small stack: with realtime = yes all memory is locked */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	err = pthread_create(&an.th, &attr, announcer, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		hd_log("no announcer thread (%s): the gratuitous ARP goes out before the thaw",
		       strerror(err));
	else
		an.running = 1;
}

void hd_announce_stop(void)
{
	if (!an.running)
		return;
	pthread_mutex_lock(&an.mu);
	an.stop = 1;
	pthread_cond_broadcast(&an.cv);
	pthread_mutex_unlock(&an.mu);
	pthread_join(an.th, NULL);
	an.running = 0;
}

int hd_announce_begin(struct hd *d)
{
	const char *step = "";
	struct vip_arp a;
	int err;

	if (!d->conf.move_address)
		return 0;
	err = vip_arp_prepare(&d->vip, d->conf.interface, d->conf.address, &a, &step);
	if (!err && !an.running)
		err = vip_arp_send(&a);
	if (err) {
		hd_log("cannot announce the tunnel address %s on %s: %s: %s", d->conf.address,
		       d->conf.interface, step, strerror(-err));
		return err;
	}
	pthread_mutex_lock(&an.mu);
	if (an.running) {
		an.arp = a;
		an.pending = 1;
		an.done = 0;
		pthread_cond_broadcast(&an.cv);
	} else {
		an.done = 1;
		an.err = 0;
		an.sent_us = hd_wall_us();
	}
	pthread_mutex_unlock(&an.mu);
	return 0;
}

int hd_announce_end(struct hd *d, int64_t *sent_us)
{
	struct vip_arp a;
	int err;

	*sent_us = 0;
	if (!d->conf.move_address)
		return 0;
	pthread_mutex_lock(&an.mu);
	while (!an.done)
		pthread_cond_wait(&an.cv, &an.mu);
	err = an.err;
	a = an.arp;
	*sent_us = an.sent_us;
	pthread_mutex_unlock(&an.mu);
	if (!err)
		return 0;
	err = vip_arp_send(&a);
	*sent_us = hd_wall_us();
	if (err)
		hd_log("the gratuitous ARP for %s failed twice: %s (the address is on %s; neighbours find it at their next resolution)",
		       d->conf.address, strerror(-err), d->conf.interface);
	return err;
}
