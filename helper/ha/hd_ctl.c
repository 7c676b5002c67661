// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (a SOCK_SEQPACKET unix socket, 0600, root's): one
 * request per connection, one answer. `xfrmctx ha ...`, keepalived's notify
 * script and the Pacemaker agent only send these; the work happens here,
 * with no process start in the way of a take-over.
 *
 *   status [json]   role, peer, channel, stream lag, tunnels and SAs in
 *                   sync, last take-over and its figures
 *   takeover        become the active node (planned if the peer hands over)
 *   release         hand the tunnels to the peer and become the standby
 *   switchover      release, and ask the peer to take over at once
 *   check           exit status for a cluster manager: ok, or the fault
 *
 * The answer's first line is "ok" or "error"; the rest is text.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hd.h"

int hd_ctl_open(struct hd *d, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	/* bound and listening under a temporary name, then renamed: whoever
	 * sees the path finds a socket that takes connections (a client
	 * between bind() and listen() would be refused) */
	if (strlen(d->conf.control) + 4 >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", d->conf.control);
		return -EINVAL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s.new", d->conf.control);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	unlink(sa.sun_path);
	old = umask(0077);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8) ||
	    rename(sa.sun_path, d->conf.control)) {
		snprintf(err, errlen, "cannot listen on %s: %s", d->conf.control, strerror(errno));
		umask(old);
		unlink(sa.sun_path);
		close(fd);
		return -errno;
	}
	umask(old);
	d->ctl_fd = fd;
	return 0;
}

static const char *role_name(const struct hd *d)
{
	return d->role == HD_ACTIVE ? "active" : "standby";
}

void hd_status_text(struct hd *d, int json, char *buf, size_t len)
{
	unsigned int ikes = 0, children = 0;
	int64_t now = hd_wall();
	long long lag = d->st.last_snapshot_taken_ms ?
		(long long)(d->st.last_snapshot_in_ms - (int64_t)d->st.last_snapshot_taken_ms) : -1;
	long long age = d->st.last_snapshot_in_ms ? (long long)(now - d->st.last_snapshot_in_ms) : -1;
	const struct hd_takeover *t = &d->last_to;
	int sync = d->role == HD_ACTIVE ? d->peer_in_sync : d->in_sync;
	char ha_line[96] = "";

	hd_ike_counts(d, &ikes, &children);
	/* a pair in the middle of a strongSwan upgrade says so */
	if (d->ha_local && d->ha_peer && d->ha_local != d->ha_peer)
		snprintf(ha_line, sizeof(ha_line),
			 "ha-protocol charon %u peer %u converted %llu\n", d->ha_local, d->ha_peer,
			 (unsigned long long)d->st.ike_converted);
	if (json) {
		snprintf(buf, len,
			 "{\"id\":\"%s\",\"role\":\"%s\",\"fault\":%s,\"fault_reason\":\"%s\","
			 "\"peer\":\"%s\",\"channel\":%s,\"in_sync\":%s,\"peer_status\":\"%s\","
			 "\"ike\":%s,\"ike_sas\":%u,\"child_sas\":%u,"
			 "\"ha_version\":%u,\"peer_ha_version\":%u,"
			 "\"stream\":{\"forwarded\":%llu,\"fed\":%llu,\"converted\":%llu,\"dropped\":%llu,"
			 "\"snapshots_out\":%llu,\"snapshots_in\":%llu,\"lag_ms\":%lld,"
			 "\"last_snapshot_age_ms\":%lld,\"resyncs\":%llu,\"update_errors\":%llu,"
			 "\"frames_out\":%llu,\"bytes_out\":%llu,\"frames_in\":%llu,\"bytes_in\":%llu},"
			 "\"handover_pending\":%s,\"address_here\":%s,"
			 "\"last_takeover\":{\"at_ms\":%lld,\"kind\":\"%s\",\"ok\":%s,\"sas\":%u,"
			 "\"out_jump\":%llu,\"in_jump\":%llu,\"update_ms\":%lld,"
			 "\"activate_ms\":%lld,\"total_ms\":%lld,\"received_us\":%lld,\"begin_us\":%lld,"
			 "\"thawed_us\":%lld,\"announced_us\":%lld,\"prepare_us\":%lld,"
			 "\"request_us\":%lld,\"retried\":%s,\"error\":\"%s\"},"
			 "\"last_handover\":{\"freeze_us\":%lld,\"frozen_us\":%lld,"
			 "\"encoded_us\":%lld,\"sent_us\":%lld}}\n",
			 d->conf.id, role_name(d), d->fault ? "true" : "false", d->fault_why,
			 d->conf.peer_id, hd_link_up(d) ? "true" : "false", sync ? "true" : "false",
			 d->peer_status, d->conf.ike ? "true" : "false", ikes, children,
			 d->ha_local, d->ha_peer,
			 (unsigned long long)d->st.ike_fwd, (unsigned long long)d->st.ike_fed,
			 (unsigned long long)d->st.ike_converted, (unsigned long long)d->st.ike_dropped,
			 (unsigned long long)d->st.snapshots_out, (unsigned long long)d->st.snapshots_in,
			 lag, age, (unsigned long long)d->st.resyncs,
			 (unsigned long long)d->st.update_errors,
			 (unsigned long long)d->st.frames_out, (unsigned long long)d->st.bytes_out,
			 (unsigned long long)d->st.frames_in, (unsigned long long)d->st.bytes_in,
			 d->handover ? "true" : "false", d->address_here ? "true" : "false",
			 (long long)t->at_ms, t->kind, t->ok ? "true" : "false", t->sas,
			 (unsigned long long)t->max_out_jump, (unsigned long long)t->max_in_jump,
			 (long long)t->update_ms, (long long)t->activate_ms, (long long)t->total_ms,
			 (long long)t->received_us, (long long)t->begin_us, (long long)t->thawed_us,
			 (long long)t->announced_us,
			 (long long)t->prepare_us, (long long)t->request_us,
			 t->retried ? "true" : "false", t->error, (long long)d->last_ho.freeze_us, (long long)d->last_ho.frozen_us,
			 (long long)d->last_ho.encoded_us, (long long)d->last_ho.sent_us);
		return;
	}
	snprintf(buf, len,
		 "node %s role %s%s%s\n"
		 "peer %s channel %s %s\n"
		 "tunnels ike_sas %u child_sas %u%s\n"
		 "stream forwarded %llu fed %llu dropped %llu snapshots out %llu in %llu lag_ms %lld age_ms %lld resyncs %llu update_errors %llu\n"
		 "channel out %llu frames %llu bytes in %llu frames %llu bytes\n"
		 "%s%s%s",
		 d->conf.id, role_name(d), d->fault ? " FAULT: " : "", d->fault_why,
		 d->conf.peer_id, hd_link_up(d) ? "up" : "down",
		 d->role == HD_ACTIVE ? (d->peer_in_sync ? "standby in sync" : d->peer_status)
				      : (d->in_sync ? "in sync" : "not in sync"),
		 ikes, children, d->conf.ike ? "" : " (IKE half off)",
		 (unsigned long long)d->st.ike_fwd, (unsigned long long)d->st.ike_fed,
		 (unsigned long long)d->st.ike_dropped,
		 (unsigned long long)d->st.snapshots_out, (unsigned long long)d->st.snapshots_in,
		 lag, age, (unsigned long long)d->st.resyncs,
		 (unsigned long long)d->st.update_errors,
		 (unsigned long long)d->st.frames_out, (unsigned long long)d->st.bytes_out,
		 (unsigned long long)d->st.frames_in, (unsigned long long)d->st.bytes_in, ha_line,
		 d->handover ? "hand-over pending (exact counters)\n" : "",
		 t->at_ms ? "" : "no take-over yet\n");
	if (t->at_ms) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n,
			 "last take-over %s %s: %u SAs, jump out %llu in %llu, update %lld ms, activation %lld ms, total %lld ms%s%s\n",
			 t->kind, t->ok ? "ok" : "FAILED", t->sas,
			 (unsigned long long)t->max_out_jump, (unsigned long long)t->max_in_jump,
			 (long long)t->update_ms, (long long)t->activate_ms, (long long)t->total_ms,
			 t->ok ? "" : ": ", t->error);
	}
}

/* With a tunnel address, the tunnels go where the address is. */
static int takeover(struct hd *d, char *out, size_t outlen)
{
	if (d->drained) {
		d->drained = 0;
		d->resigning = 0;
		hd_track(d);
		hd_log("priority restored: keepalived may elect this node again");
	}
	if (!d->conf.address[0] || d->address_here || d->conf.move_address)
		return hd_become_active(d, "asked on the control socket", out, outlen);
	if (d->conf.track_file[0]) {
		snprintf(out, outlen, "the tunnel address %s is not here: the tunnels follow it when keepalived brings it (priority restored)",
			 d->conf.address);
		return 0;
	}
	snprintf(out, outlen, "the tunnel address %s is not on this node: move it here and the tunnels follow",
		 d->conf.address);
	return -1;
}

static void answer(int fd, int ok, const char *text)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s\n%s", ok ? "ok" : "error", text);

	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) < 0)
		hd_log("control: cannot answer: %s", strerror(errno));
}

void hd_ctl_accept(struct hd *d)
{
	char req[128], out[4000];
	struct timeval tv = { .tv_sec = 2 };
	ssize_t n;
	int fd, rc = 0;

	fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(fd, req, sizeof(req) - 1, 0);
	if (n <= 0) {
		close(fd);
		return;
	}
	req[n] = '\0';
	req[strcspn(req, "\r\n")] = '\0';
	out[0] = '\0';
	if (!strcmp(req, "status") || !strcmp(req, "status json")) {
		hd_status_text(d, !strcmp(req, "status json"), out, sizeof(out));
	} else if (!strcmp(req, "takeover")) {
		rc = takeover(d, out, sizeof(out));
	} else if (!strcmp(req, "release")) {
		rc = hd_become_standby(d, 0, "asked on the control socket", out, sizeof(out));
	} else if (!strcmp(req, "switchover")) {
		if (d->role != HD_ACTIVE) {
			snprintf(out, sizeof(out), "this node is not active: switch over on %s",
				 d->conf.peer_id);
			rc = -1;
		} else if (!hd_link_up(d) || !d->peer_in_sync) {
			snprintf(out, sizeof(out), "the standby %s is %s: nothing changed",
				 d->conf.peer_id, hd_link_up(d) ? "not in sync" : "not connected");
			rc = -1;
		} else if (d->conf.track_file[0]) {
			/* keepalived owns the address: hand over first (the
			 * peer holds exact counters and thaws the moment the
			 * address arrives), then make keepalived resign (hd_track)
			 * and keep this node a backup with a lower priority */
			rc = hd_become_standby(d, 0, "switchover asked on the control socket",
					       out, sizeof(out));
			if (!rc) {
				size_t n = strlen(out);

				d->drained = 1;
				d->resigning = 1;
				d->resign_until = hd_now() + 10000;
				hd_track(d);
				snprintf(out + n, sizeof(out) - n,
					 "; keepalived resigns (FAULT until the address left, then priority lowered by %d; %s): the address follows. `xfrmctx ha takeover` here brings them back",
					 -HD_TRACK_DRAINED, d->conf.track_file);
				hd_log("%s", out);
			}
		} else {
			/* move-address: the peer adds the address while we
			 * deactivate charon and freeze */
			if (d->conf.move_address)
				hd_link_send(d, XC_FR_PREPARE, NULL, 0);
			rc = hd_become_standby(d, 1, "switchover asked on the control socket",
					       out, sizeof(out));
		}
	} else if (!strcmp(req, "check")) {
		rc = d->fault ? -1 : 0;
		snprintf(out, sizeof(out), "%s", d->fault ? d->fault_why : role_name(d));
	} else {
		snprintf(out, sizeof(out), "unknown request \"%s\" (status, takeover, release, switchover, check)",
			 req);
		rc = -1;
	}
	answer(fd, rc == 0, out);
	close(fd);
}
