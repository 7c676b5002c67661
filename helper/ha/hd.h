/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrmctxd, the node daemon: one per gateway, owning both halves of the
 * tunnels (Documentation/ha.rst).
 *
 *  - the active node's daemon is the `remote` of its charon's HA plugin
 *    (loopback): every datagram is checked, applied to its store of IKE_SAs
 *    and forwarded at once over the TLS channel to the standby's daemon,
 *    with a snapshot of the kernel SAs' counters whenever XFRM async events
 *    say they moved (and once a period);
 *  - the standby's daemon feeds the stream into its own charon as it comes
 *    (charon holds the IKE_SAs passive and installs the CHILD_SAs' SAs),
 *    keeps those SAs frozen and moves their counters to the active node's
 *    with the module's counters-only update: a take-over is then a jump, a
 *    thaw and charon's activation, nothing else.
 *
 * Files: hd_conf.c (configuration), hd_link.c (the channel to the peer),
 * hd_ike.c (charon's HA socket, the store, resync), hd_kernel.c (SAs:
 * snapshots, counters, freeze, take-over), hd_role.c (the state machine:
 * take-over, hand-over, switchover), hd_ctl.c (the control socket),
 * hd_addr.c (the tunnel address watch), xfrmctxd.c (the loop).
 */
#ifndef XC_HD_H
#define XC_HD_H

#include <stdint.h>

#include "channel.h"
#include "ike_net.h"
#include "ike_rate.h"
#include "ike_rec.h"
#include "ike_standby.h"
#include "ike_store.h"
#include "libxfrmctx.h"
#include "vip.h"

#define HD_CONTROL		"/run/xfrmctxd.sock"
#define HD_CONF			"/etc/xfrmctx/xfrmctxd.conf"
#define HD_TRACK_DRAINED	(-100)
#define HD_TRACK_FAULT		(-254)
#define HD_SYNC_WAIT_MS		5000	/* a joining standby catching up */
#define HD_SETTLE_MS		200	/* a hand-over's leftovers wait this long */
#define HD_HEAL_MS		3000	/* charon lacking CHILD_SAs: send again after */
#define HD_HEAL_TRIES		3

/* The daemons' stream uses the channel's frames XC_FR_IKE .. XC_FR_TAKE
 * (channel.h), after its HELLO "node" and WELCOME. */

struct hd_conf {
	char path[256];
	char id[XC_PSK_ID_MAX + 1], peer_id[XC_PSK_ID_MAX + 1];
	char peer[256];			/* HOST[:PORT] of the peer's daemon */
	char listen[256];		/* ADDR[:PORT] we accept the peer on */
	char psk[256];			/* key file */
	char control[108];		/* unix socket */
	int ike;			/* the IKE half (charon's HA plugin) */
	char ha_listen[64], ha_charon[64];
	char fifo[256];
	char charon_bin[256];		/* its --version: the HA protocol it speaks */
	unsigned int ha_version;	/* 3..5; 0: auto (charon's datagrams, charon_bin) */
	unsigned long segments;
	char address[64];		/* the tunnel address to watch, "" none */
	int move_address;		/* the daemons move it (planned moves) */
	char interface[16];		/* where it lives, with move_address */
	char track_file[256];		/* keepalived's track_file: 0 ok, 1 fault */
	double factor, in_factor;
	uint64_t floor;
	unsigned int period_ms;		/* snapshot at least this often */
	unsigned int min_gap_ms;	/* and at most this often */
	unsigned int handover_wait_ms;	/* asking a live peer before a crash take-over */
	unsigned int lease;		/* s, of the freezes; renewed at half */
	uint32_t reqid;			/* kernel-only selection */
	int has_reqid;
	int verbose;
	int realtime;			/* SCHED_RR 1 and locked memory, as keepalived */
};

int hd_conf_load(const char *path, struct hd_conf *c, char *err, size_t errlen);

enum hd_role { HD_STANDBY, HD_ACTIVE };

struct hd_peer_link {
	struct xc_chan *ch;
	int client;			/* we connected (we are active) */
	int connecting_fd;		/* non-blocking connect in progress */
	uint64_t seq_out, seq_in;
	int64_t next_try_ms;		/* reconnect backoff */
	unsigned int backoff_ms;
	int64_t up_since_ms;
	uint64_t frames_out, frames_in, bytes_out;
};

struct hd_stats {
	uint64_t ike_fwd, ike_fed, ike_dropped, ike_converted, snapshots_out, snapshots_in;
	uint64_t updates, update_errors, resyncs;
	/* the channel since the daemon started, every connection: frames and
	 * their payload bytes (what the stream costs the network) */
	uint64_t frames_out, frames_in, bytes_out, bytes_in;
	int64_t last_snapshot_in_ms;	/* wall clock, when it came */
	uint64_t last_snapshot_taken_ms;	/* wall clock of the active node */
	int64_t last_ike_in_ms;
};

struct hd_takeover {
	int64_t at_ms;			/* wall */
	char kind[16];			/* planned, crash, switchover */
	unsigned int sas;
	uint64_t max_out_jump, max_in_jump;
	int64_t total_ms, update_ms, activate_ms;
	/* wall clock, µs: the take-over began (the hand-over or the address
	 * arrived, or asked), the SAs were thawed, the address announced */
	int64_t begin_us, thawed_us, announced_us;
	int64_t received_us;		/* planned: the hand-over frame was read */
	int64_t prepare_us, request_us;	/* the batch built; the update request */
	int retried;			/* an SA gone: pruned and sent again */
	int ok;
	char error[400];
};

/* The old node's side of the last hand-over, wall clock in µs. */
struct hd_handover {
	int64_t freeze_us;		/* charon passive: the freeze begins */
	int64_t frozen_us;		/* frozen and exported */
	int64_t encoded_us;		/* the message built, before TLS */
	int64_t sent_us;		/* the hand-over frame is written */
};

struct hd {
	struct hd_conf conf;
	struct xc_keyring kr;
	const struct xc_psk *self;
	enum hd_role role;
	int fault;			/* a take-over failed: told the cluster manager */
	int has_state;			/* it carried the tunnels, or the peer's state
					 * reached it, since the daemon started */
	int drained;			/* switched over: keepalived prefers the peer */
	int resigning;			/* ...and until the address left, keepalived's
					 * instance in FAULT: it resigns at once */
	int64_t resign_until;
	char fault_why[480];
	struct hd_peer_link link;
	int listen_fd, ctl_fd, ae_fd, addr_fd;
	struct xc_aevents *ae;
	struct xfrmctx *h;
	/* IKE half */
	struct xc_standby ha;		/* charon's HA socket (listen/charon/fifo) */
	struct xc_store store;		/* what we know of charon's IKE_SAs */
	struct xc_store *resync;	/* standby: the state being resent */
	int charon_active;		/* we activated its segments */
	/* HA protocol versions (0: not known yet): what our charon speaks, and
	 * the peer's; forwarded datagrams are converted to ours (a pair in
	 * the middle of a strongSwan upgrade) */
	uint8_t ha_local, ha_peer;
	/* kernel half */
	struct xc_rate_table rates;
	struct xfrmctx_ctx *last;	/* standby: the last snapshot (counters, rates) */
	uint64_t last_taken_ms;
	struct xfrmctx_ctx *handover;	/* standby: exact counters of a hand-over */
	/* old node: the hand-over it sent, settled (adopted, snapshot with
	 * rates) after the peer's take-over (hd_kernel_settle) */
	struct xfrmctx_ctx *sent_ho;
	int64_t sent_ho_due_ms;
	int64_t handover_rx_us;		/* wall clock: when it was read */
	int64_t snap_due_ms, snap_last_ms, renew_due_ms;
	int counters_dirty;
	int in_sync;			/* standby: resync done, counters applied */
	int64_t sync_said_ms;		/* standby: when "syncing" was last logged */
	int64_t heal_due_ms;		/* standby: hd_ike_heal's next look */
	unsigned int heal_tries;
	unsigned int sync_absent_said;
	int peer_in_sync;		/* active: what the standby said */
	char peer_status[160];
	int address_here;
	struct vip_socks vip;		/* move_address: rtnetlink, ARP */
	int64_t prepared_until;		/* standby: added for a switchover */
	int handover_wanted;		/* standby: asked, waiting */
	int64_t handover_deadline;
	struct hd_stats st;
	struct hd_takeover last_to;
	struct hd_handover last_ho;
	uint64_t serial;
};

/* logging: one line, "xfrmctxd: " + text; a wall-clock time stamp unless
 * journald already adds one (JOURNAL_STREAM). Never key material. */
void hd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hd_dbg(struct hd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* hd_link.c */
int hd_link_listen(struct hd *d, char *err, size_t errlen);
void hd_link_accept(struct hd *d);
void hd_link_tick(struct hd *d, int64_t now);	/* connect when active */
void hd_link_drop(struct hd *d, const char *why);
int hd_link_up(const struct hd *d);
int hd_link_send(struct hd *d, uint8_t type, const void *p, size_t len);
void hd_link_read(struct hd *d);		/* frames waiting: dispatch */
int hd_link_wait_frame(struct hd *d, uint8_t type, int timeout_ms, struct xc_frame *f);

/* hd_ike.c */
int hd_ike_open(struct hd *d, char *err, size_t errlen);
void hd_ike_read(struct hd *d);			/* datagrams from charon */
void hd_ike_feed(struct hd *d, const uint8_t *p, size_t len);	/* standby: one forwarded */
int hd_ike_resync_send(struct hd *d);		/* active: the whole store */
void hd_ike_resync_begin(struct hd *d);
void hd_ike_resync_end(struct hd *d);
int hd_ike_activate(struct hd *d);
int hd_ike_deactivate(struct hd *d);
void hd_ike_counts(const struct hd *d, unsigned int *ikes, unsigned int *children);
void hd_ike_heal(struct hd *d, int64_t now);	/* standby: charon lacks CHILD_SAs */

/* hd_kernel.c */
int hd_kernel_open(struct hd *d, char *err, size_t errlen);
void hd_kernel_events(struct hd *d);		/* XFRM async events */
int hd_kernel_snapshot(struct hd *d, int freeze, struct xfrmctx_ctx **out, char *why,
		       size_t whylen);
int hd_kernel_send_snapshot(struct hd *d);	/* active */
void hd_kernel_apply(struct hd *d, const uint8_t *p, size_t len);	/* standby */
void hd_kernel_renew(struct hd *d, int64_t now);	/* standby: keep ours frozen */
int hd_kernel_freeze_local(struct hd *d, char *why, size_t whylen);
/* The rest of a hand-over, off the peer's critical path: due (timers) or
 * needed now (force: a take-over, a snapshot to apply). */
void hd_kernel_settle(struct hd *d, int force);
/* Update every SA of c with its jump (exact: none) and thaw it. */
int hd_kernel_takeover(struct hd *d, const struct xfrmctx_ctx *c, int exact,
		       struct hd_takeover *t, char *why, size_t whylen);
/* Freeze the SAs of c again (a take-over that could not finish). */
void hd_kernel_freeze_again(struct hd *d, const struct xfrmctx_ctx *c, char *why, size_t whylen);
unsigned int hd_kernel_count(const struct xfrmctx_ctx *c);

/* hd_role.c */
int hd_become_active(struct hd *d, const char *why, char *out, size_t outlen);
int hd_become_standby(struct hd *d, int ask_take, const char *why, char *out, size_t outlen);
void hd_on_handover(struct hd *d, const uint8_t *p, size_t len);
void hd_on_handover_req(struct hd *d);
void hd_on_taken(struct hd *d, const char *text);
void hd_on_take(struct hd *d);
void hd_on_prepare(struct hd *d);
void hd_set_fault(struct hd *d, const char *why);
void hd_clear_fault(struct hd *d);
void hd_track(struct hd *d);	/* keepalived's track file */

/* hd_ctl.c */
int hd_ctl_open(struct hd *d, char *err, size_t errlen);
void hd_ctl_accept(struct hd *d);
void hd_status_text(struct hd *d, int json, char *buf, size_t len);

/* hd_addr.c: the tunnel address on this host (rtnetlink) */
int hd_addr_open(struct hd *d, char *err, size_t errlen);
int hd_addr_present(struct hd *d);	/* 1, 0, -errno */
void hd_addr_read(struct hd *d);	/* events: take over / hand over */
/* move-address: put the address here (announce: a gratuitous ARP too),
 * or take it off; 0 or -errno, logged. */
int hd_addr_add(struct hd *d, int announce);
int hd_addr_del(struct hd *d);
void hd_addr_tick(struct hd *d, int64_t now);	/* a switchover that never came */

int64_t hd_now(void);		/* monotonic ms */
int64_t hd_wall(void);		/* unix ms */
int64_t hd_wall_us(void);	/* unix µs */

#endif
