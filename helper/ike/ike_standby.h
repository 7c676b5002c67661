/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The hook's side of a standby charon's HA channel: a UDP socket bound to
 * the charon's `remote` and connected to its `local`, the recorded
 * messages sent over it (ike_replay.h gives the order), the kernel check
 * that charon installed every CHILD_SA (it does so on CHILD_ADD), and the
 * activation of its segments through charon's HA control FIFO ("+N", one
 * command per open, confirmed by charon with SEGMENT_TAKE).
 */
#ifndef XC_IKE_STANDBY_H
#define XC_IKE_STANDBY_H

#include <stdint.h>

#include "ha_wire.h"
#include "ike_net.h"
#include "ike_store.h"

struct xc_standby {
	struct xc_addr listen, charon;
	const char *fifo;		/* default /var/run/charon.ha */
	unsigned long segments;		/* activate 1..segments */
	unsigned long timeout;		/* s, for the kernel check and activation */
	int fd;
	uint32_t taken;			/* segments charon confirmed */
	unsigned int sent;
	int kernel_pass_logs;		/* log each SA's reqid (the pass after success) */
	/* Every datagram charon sends while we wait for it (xfrmctxd keeps
	 * recording its stream through an activation): NULL to ignore. */
	void (*on_datagram)(void *ctx, const uint8_t *buf, size_t len);
	void *ctx;
	/* the HA protocol version charon speaks */
	unsigned long ha_version;	/* --ha-version 3..5; 0: auto (xc_standby_version) */
	const char *charon_bin;		/* --charon-bin, for auto: its --version */
	uint8_t heard_version;		/* version byte of charon's last datagram (0: none) */
	uint8_t sending_version;	/* what the replay sends (0: not yet chosen) */
	/* xc_standby_settle: the IKE_SAs whose IKE_UPDATE must come back */
	unsigned int echo_n;
	struct xc_ha_ike_id *echo_want;
	uint8_t *echo_got;
};

/* Defaults: fifo, 1 segment, 10 s, HA version auto. */
void xc_standby_init(struct xc_standby *r);

/* Take option o (value v) if it is one of --listen, --charon, --fifo,
 * --segments, --timeout, --ha-version (3, 4, 5 or auto), --charon-bin: returns how many words it used (1 or 2), 0 if o
 * is not one of them, -1 after an error message about the value. *listen
 * and *charon receive the address strings for xc_standby_addrs. */
int xc_standby_opt(struct xc_standby *r, const char *o, const char *v,
		   const char **listen, const char **charon);
/* Parse the two addresses (port 4510); -1 after an error message. */
int xc_standby_addrs(struct xc_standby *r, const char *cmd, const char *listen,
		     const char *charon);

int xc_standby_open(struct xc_standby *r, const char *cmd);
void xc_standby_close(struct xc_standby *r);

/*
 * The HA protocol version to send (3, 4 or 5), or -1 after a message:
 * --ha-version if given; else (auto) the version of a datagram charon
 * already sent us, else the version of the strongSwan release that
 * `charon_bin --version` names (6.0.1: 4, 6.0.2 and later: 5, older: 3).
 * Sets sending_version; from then on xc_standby_send() refuses to go on
 * when charon's own datagrams show another version (a charon restarted
 * into another release, or a binary on disk newer than the daemon).
 */
int xc_standby_version(struct xc_standby *r);

/* The HA protocol version of the strongSwan release `bin --version`
 * names ("strongSwan 6.0.1": 4), -1 if it names none or does not run. */
int xc_charon_release_version(const char *bin);

/* An xc_emit_fn: send one message to charon. */
int xc_standby_send(void *ctx, const struct xc_ha_buf *msg, const char *what);

/* Wait until every CHILD_SA of a live IKE_SA of s has both SAs in the
 * kernel; at the deadline (xc_now_ms), name each one still missing. */
int xc_standby_check_kernel(struct xc_standby *r, const struct xc_store *s, int64_t deadline);

/*
 * Wait until charon has processed every message sent so far: a RESYNC of
 * segments 1..segments makes its dispatcher, which handles one message at
 * a time in order, send its cache of them back to us, and the cache holds
 * an IKE_SA's IKE_UPDATE only once that was processed. 0 when the
 * IKE_UPDATE of every live, established IKE_SA of s came back; -1 at the
 * deadline, naming the IKE_SAs charon did not finish. Activating a segment
 * before that turns a half-processed IKE_SA away (5.x leaves it PASSIVE;
 * 6.0.1 destroys CONNECTING IKE_SAs on activation and crashed doing so
 * while its dispatcher still held one, seen in the VM).
 */
int xc_standby_settle(struct xc_standby *r, const struct xc_store *s, int64_t deadline);

/* "+1" .. "+segments" into the FIFO, each confirmed by SEGMENT_TAKE. */
int xc_standby_activate(struct xc_standby *r, int64_t deadline);
/* "-1" .. "-segments": charon's IKE_SAs turn passive, each confirmed by
 * SEGMENT_DROP. */
int xc_standby_deactivate(struct xc_standby *r, int64_t deadline);

#endif
