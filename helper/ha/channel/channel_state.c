// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a standby keeps about each peer, in DIR/PEER/state: one "key value"
 * per line, written atomically after every accepted message, read by
 * `xfrmctx takeover`. Unknown keys are ignored, so newer writers can add
 * some. DIR/PEER/lock serialises the serve processes and takeover.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "channel.h"

struct field {
	const char *key;
	size_t off;
	char kind;	/* 'u' uint64_t, 'i' int, 'w' uint32_t */
};

#define F(k, m, t) { k, offsetof(struct xc_peer_state, m), t }
static const struct field fields[] = {
	F("seq.push", seq_push, 'u'),
	F("seq.sync", seq_sync, 'u'),
	F("last-message-ms", last_msg_ms, 'u'),
	F("sync-closed", sync_closed, 'i'),
	F("snapshot.seq", snap_seq, 'u'),
	F("snapshot.taken-ms", snap_taken_ms, 'u'),
	F("snapshot.received-ms", snap_received_ms, 'u'),
	F("snapshot.sas", snap_sas, 'w'),
	F("handover.seq", handover_seq, 'u'),
	F("handover.received-ms", handover_received_ms, 'u'),
	F("handover.sas", handover_sas, 'w'),
	F("handover.imported", handover_imported, 'i'),
	F("handover.used", handover_used, 'i'),
	F("takeover-ms", takeover_ms, 'u'),
};
#undef F

int xc_peer_state_load(const char *dir, struct xc_peer_state *s, char *err, size_t errlen)
{
	char path[512], line[512];
	FILE *f;
	size_t i;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		char key[64], rest[448];

		if (sscanf(line, "%63s %447[^\n]", key, rest) != 2)
			continue;
		if (!strcmp(key, "rate.pps")) {
			char *p = rest, *end;

			s->n_rate = 0;
			while (s->n_rate < XC_RATE_HISTORY) {
				double v = strtod(p, &end);

				if (end == p)
					break;
				s->rate[s->n_rate++] = v;
				p = end;
			}
			continue;
		}
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
			void *m = (char *)s + fields[i].off;
			unsigned long long v;

			if (strcmp(key, fields[i].key) || sscanf(rest, "%llu", &v) != 1)
				continue;
			if (fields[i].kind == 'u')
				*(uint64_t *)m = v;
			else if (fields[i].kind == 'w')
				*(uint32_t *)m = (uint32_t)v;
			else
				*(int *)m = (int)v;
		}
	}
	fclose(f);
	return 0;
}

int xc_peer_state_save(const char *dir, const struct xc_peer_state *s, char *err, size_t errlen)
{
	char path[512], buf[2048];
	size_t n = 0, i;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "# xfrmctx serve: what this node knows of the peer\n");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const void *m = (const char *)s + fields[i].off;
		unsigned long long v = fields[i].kind == 'u' ? *(const uint64_t *)m :
				       fields[i].kind == 'w' ? *(const uint32_t *)m :
				       (unsigned long long)*(const int *)m;

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s %llu\n", fields[i].key, v);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "rate.pps");
	for (i = 0; i < s->n_rate; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " %.3f", s->rate[i]);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\n");
	snprintf(path, sizeof(path), "%s/state", dir);
	return xc_write_atomic(path, buf, n, err, errlen);
}

int xc_peer_lock(const char *dir, char *err, size_t errlen)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		ret = -errno;
		snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	return fd;
}
