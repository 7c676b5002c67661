// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The recorder's store: it follows IKE_SAs and CHILD_SAs as a passive
 * charon does (updates, message IDs, rekeys, deletes), keeps the IKE_SA
 * whose SK_d keys a live CHILD_SA, and leaves every record byte-for-byte
 * unchanged when it refuses a message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_store.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[256];

static int feed(struct xc_store *s)
{
	why[0] = 0;
	return t_feed(s, &b, 1000, why, sizeof(why));
}

/* One established IKE_SA "rw" (responder) with one CHILD_SA. */
static void one_tunnel(struct xc_store *s, const struct xc_ha_ike_id *id)
{
	t_ike_add(&b, id, NULL, 1);
	EXPECT_EQ(feed(s), 0);
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, id, 2);
	EXPECT_EQ(feed(s), 0);
	t_ike_update(&b, id, "rw");
	EXPECT_EQ(feed(s), 0);
	t_child_add(&b, id, 0xc1000001, 0xc2000001, 0);
	EXPECT_EQ(feed(s), 0);
}

/* A refused message must leave the records exactly as they were. */
static void expect_refused_unchanged(struct xc_store *s, const char *reason)
{
	uint8_t *before, *after;
	size_t lb, la;

	EXPECT_EQ(t_snapshot(s, &before, &lb), 0);
	EXPECT_EQ(feed(s), -EINVAL);
	if (!strstr(why, reason)) {
		fprintf(stderr, "  reason \"%s\" does not mention \"%s\"\n", why, reason);
		EXPECT(0);
	}
	EXPECT_EQ(t_snapshot(s, &after, &la), 0);
	EXPECT(lb == la && !memcmp(before, after, lb));
	free(before);
	free(after);
}

TEST(ike_store_follows_one_tunnel)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	struct xc_store s;
	struct xc_ike *ike;
	struct xc_child *c;

	xc_store_init(&s);
	one_tunnel(&s, &id);
	ike = xc_store_find_ike(&s, &id);
	EXPECT(ike != NULL);
	if (!ike)
		return;
	EXPECT(ike->updated);
	EXPECT_STREQ(ike->config, "rw");
	EXPECT_EQ(ike->mid_r, 2);
	EXPECT(!ike->has_mid_i);
	EXPECT_EQ(ike->encr, 20);
	EXPECT_EQ(ike->encr_len, 256);
	EXPECT_EQ(ike->prf, 5);
	EXPECT_EQ(ike->dh, 19);
	EXPECT_EQ(ike->secret.len, 64);
	EXPECT_EQ(ike->local.port, 4500);
	EXPECT_EQ(ike->local_id.type, 2);
	EXPECT(!memcmp(ike->remote_id.data, "peer.example.org", 16));
	EXPECT_EQ(ike->conditions, 0x100);
	EXPECT_EQ(ike->npeer_addrs, 1);
	c = xc_store_find_child(&s, 0xc1000001);
	EXPECT(c != NULL);
	EXPECT(c && xc_store_child_owner(&s, c) == ike);
	EXPECT(c && c->spi_out == 0xc2000001 && c->esn == 1 && c->mode == 2);
	EXPECT(c && c->nlocal_ts == 1 && c->local_ts[0].from[2] == 2);

	/* message IDs move on */
	t_ike_mid(&b, XC_HA_IKE_MID_INITIATOR, &id, 1);
	EXPECT_EQ(feed(&s), 0);
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &id, 3);
	EXPECT_EQ(feed(&s), 0);
	EXPECT(ike->has_mid_i && ike->mid_i == 1 && ike->mid_r == 3);
	/* charon ignores a zero message ID; so does the store */
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &id, 0);
	EXPECT_EQ(feed(&s), 1);
	EXPECT_EQ(ike->mid_r, 3);
	xc_store_free(&s);
}

TEST(ike_store_refusals_change_nothing)
{
	struct xc_ha_ike_id id = t_id(1, 0), other = t_id(2, 0), v1 = t_id(3, 0);
	struct xc_store s;

	xc_store_init(&s);
	one_tunnel(&s, &id);

	t_ike_update(&b, &other, "rw");
	expect_refused_unchanged(&s, "IKE_UPDATE for unknown IKE_SA");
	t_ike_mid(&b, XC_HA_IKE_MID_INITIATOR, &other, 5);
	expect_refused_unchanged(&s, "unknown IKE_SA");
	t_child_add(&b, &other, 0xc1000009, 0xc2000009, 0);
	expect_refused_unchanged(&s, "for unknown IKE_SA");
	t_child_add(&b, &id, 0xc1000001, 0xc2000009, 0);
	expect_refused_unchanged(&s, "already recorded");
	t_child_delete(&b, &id, 0xdeadbeef);
	expect_refused_unchanged(&s, "unknown CHILD_SA deadbeef");
	t_ike_delete(&b, &other);
	expect_refused_unchanged(&s, "IKE_DELETE for unknown IKE_SA");
	/* same SPIs, other keys */
	t_ike_add(&b, &id, NULL, 9);
	expect_refused_unchanged(&s, "already recorded with other keys");
	/* IKEv1 is out of scope (draft section 6.1: version 2) */
	v1.version = 1;
	t_ike_add(&b, &v1, NULL, 1);
	b.data[3] = 1;	/* IKE_VERSION value */
	expect_refused_unchanged(&s, "IKEv1");
	/* a rekey IKE_ADD without the old SK_d */
	t_ike_add(&b, &other, NULL, 1);
	xc_ha_put_ike_id(&b, XC_HA_A_IKE_REKEY_ID, &id);
	expect_refused_unchanged(&s, "without the old SK_d");
	/* a message that fails the checks */
	xc_ha_begin(&b, XC_HA_IKE_DELETE);
	expect_refused_unchanged(&s, "required attribute IKE_ID");
	/* a config name longer than the record holds */
	{
		char longname[200];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = 0;
		t_ike_update(&b, &id, longname);
		expect_refused_unchanged(&s, "config name");
	}
	EXPECT_EQ(s.dropped, 11);
	/* a resync sends the same IKE_ADD again: understood, nothing changes */
	t_ike_add(&b, &id, NULL, 1);
	EXPECT_EQ(feed(&s), 1);
	xc_store_free(&s);
}

TEST(ike_store_child_rekey)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	struct xc_store s;
	unsigned int live, keying, children;

	xc_store_init(&s);
	one_tunnel(&s, &id);
	/* charon: CHILD_ADD of the new CHILD_SA, then CHILD_DELETE of the old */
	t_child_add(&b, &id, 0xc1000002, 0xc2000002, 1);
	EXPECT_EQ(feed(&s), 0);
	t_child_delete(&b, &id, 0xc1000001);
	EXPECT_EQ(feed(&s), 0);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(children, 1);
	EXPECT(xc_store_find_child(&s, 0xc1000001) == NULL);
	EXPECT(xc_store_find_child(&s, 0xc1000002) != NULL);
	if (xc_store_find_child(&s, 0xc1000002))
		EXPECT_EQ(xc_store_find_child(&s, 0xc1000002)->secret.len, 64);
	xc_store_free(&s);
}

/* IKE_SA rekey: the new IKE_SA names the old one; the CHILD_SA keyed by the
 * old SK_d moves to the new IKE_SA but the old IKE_SA's keys are kept, until
 * that CHILD_SA is gone. */
TEST(ike_store_ike_rekey_keeps_the_keying_predecessor)
{
	struct xc_ha_ike_id old = t_id(1, 0), new = t_id(2, 1);
	struct xc_store s;
	struct xc_ike *o, *n;
	struct xc_child *c;
	unsigned int live, keying, children;

	xc_store_init(&s);
	one_tunnel(&s, &old);
	/* charon: IKE_ADD(new, rekey old), IKE_DELETE(old), IKE_UPDATE(new) */
	t_ike_add(&b, &new, &old, 2);
	EXPECT_EQ(feed(&s), 0);
	t_ike_delete(&b, &old);
	EXPECT_EQ(feed(&s), 0);
	t_ike_update(&b, &new, "rw");
	EXPECT_EQ(feed(&s), 0);
	o = xc_store_find_ike(&s, &old);
	n = xc_store_find_ike(&s, &new);
	EXPECT(o && o->deleted);
	EXPECT(n && !n->deleted && n->has_old && n->old_skd.len == 32);
	c = xc_store_find_child(&s, 0xc1000001);
	EXPECT(c && xc_store_child_owner(&s, c) == n);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(keying, 1);
	EXPECT_EQ(children, 1);
	/* charon reports the exchange that deleted the old IKE_SA: noted,
	 * changes nothing; a CHILD_SA for it is refused */
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &old, 6);
	EXPECT_EQ(feed(&s), 1);
	EXPECT_EQ(o->mid_r, 2);
	t_child_add(&b, &old, 0xc1000007, 0xc2000007, 0);
	EXPECT_EQ(feed(&s), -EINVAL);
	EXPECT(strstr(why, "deleted") != NULL);

	/* a CHILD_SA rekey under the new IKE_SA; once the old CHILD_SA is
	 * deleted, nothing needs the old keys */
	t_child_add(&b, &new, 0xc1000002, 0xc2000002, 1);
	EXPECT_EQ(feed(&s), 0);
	t_child_delete(&b, &new, 0xc1000001);
	EXPECT_EQ(feed(&s), 0);
	EXPECT(xc_store_find_ike(&s, &old) == NULL);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(keying, 0);
	EXPECT_EQ(children, 1);

	/* deleting the live IKE_SA takes its CHILD_SAs with it (charon sends
	 * no CHILD_DELETE for them): at once for every consumer (no live
	 * IKE_SA owns them), from memory once the rekey grace has passed */
	t_ike_delete(&b, &new);
	EXPECT_EQ(feed(&s), 0);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 0);
	c = xc_store_find_child(&s, 0xc1000002);
	EXPECT(c && xc_store_child_owner(&s, c) == NULL);
	EXPECT_EQ(xc_store_expire(&s, 1000 + XC_REKEY_GRACE_S - 1, 120, NULL), 0);
	EXPECT(xc_store_find_child(&s, 0xc1000002) != NULL);
	EXPECT_EQ(xc_store_expire(&s, 1000 + XC_REKEY_GRACE_S, 120, NULL), 0);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live + keying + children, 0);
	xc_store_free(&s);
}

/* The HA stream is UDP: the old IKE_SA's IKE_DELETE can arrive before the
 * IKE_ADD of the IKE_SA that rekeyed it (seen once in the VM). The CHILD_SA keyed by the old one must not be lost, and a
 * file written in between must not carry it (no live IKE_SA owns it). */
TEST(ike_store_ike_rekey_delete_before_add)
{
	struct xc_ha_ike_id old = t_id(1, 0), new = t_id(2, 1);
	struct xc_store s, empty;
	struct xc_child *c;
	unsigned int live, keying, children;
	uint8_t *snap;
	size_t len, len_empty;

	xc_store_init(&s);
	one_tunnel(&s, &old);
	t_ike_delete(&b, &old);
	EXPECT_EQ(feed(&s), 0);
	c = xc_store_find_child(&s, 0xc1000001);
	EXPECT(c && xc_store_child_owner(&s, c) == NULL);
	/* written now: neither the orphan nor its deleted IKE_SA, so the
	 * file is as large as an empty store's */
	xc_store_init(&empty);
	EXPECT_EQ(t_snapshot(&empty, &snap, &len_empty), 0);
	free(snap);
	EXPECT_EQ(t_snapshot(&s, &snap, &len), 0);
	EXPECT_EQ(len, len_empty);
	free(snap);
	t_ike_add(&b, &new, &old, 2);
	EXPECT_EQ(feed(&s), 0);
	t_ike_update(&b, &new, "rw");
	EXPECT_EQ(feed(&s), 0);
	c = xc_store_find_child(&s, 0xc1000001);
	EXPECT(c && xc_store_child_owner(&s, c) == xc_store_find_ike(&s, &new));
	/* and it stays after the grace: a live IKE_SA owns it now */
	xc_store_expire(&s, 1000 + XC_REKEY_GRACE_S + 1, 120, NULL);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(keying, 1);
	EXPECT_EQ(children, 1);
	xc_store_free(&s);
	xc_store_free(&empty);
}

/* Two rekeys in a row with a CHILD_SA from the first IKE_SA still alive:
 * the whole chain is kept, so charon can pass the CHILD_SA along. */
TEST(ike_store_keeps_the_whole_chain)
{
	struct xc_ha_ike_id a = t_id(1, 0), bb = t_id(2, 0), c = t_id(3, 0);
	struct xc_store s;
	unsigned int live, keying, children;

	xc_store_init(&s);
	one_tunnel(&s, &a);
	t_ike_add(&b, &bb, &a, 2);
	EXPECT_EQ(feed(&s), 0);
	t_ike_delete(&b, &a);
	EXPECT_EQ(feed(&s), 0);
	t_ike_update(&b, &bb, "rw");
	EXPECT_EQ(feed(&s), 0);
	t_ike_add(&b, &c, &bb, 3);
	EXPECT_EQ(feed(&s), 0);
	t_ike_delete(&b, &bb);
	EXPECT_EQ(feed(&s), 0);
	t_ike_update(&b, &c, "rw");
	EXPECT_EQ(feed(&s), 0);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(keying, 2);	/* a keys the CHILD_SA, bb passes it on */
	EXPECT_EQ(children, 1);
	EXPECT(xc_store_child_owner(&s, xc_store_find_child(&s, 0xc1000001)) ==
	       xc_store_find_ike(&s, &c));
	xc_store_free(&s);
}

/* A rekey collision: two IKE_SAs name the same predecessor, one loses and
 * is deleted; the CHILD_SA follows the winner. */
TEST(ike_store_rekey_collision)
{
	struct xc_ha_ike_id old = t_id(1, 0), lose = t_id(2, 0), win = t_id(3, 1);
	struct xc_store s;
	struct xc_child *c;

	xc_store_init(&s);
	one_tunnel(&s, &old);
	t_ike_add(&b, &lose, &old, 2);
	EXPECT_EQ(feed(&s), 0);
	t_ike_add(&b, &win, &old, 3);
	EXPECT_EQ(feed(&s), 0);
	t_ike_delete(&b, &lose);
	EXPECT_EQ(feed(&s), 0);
	t_ike_delete(&b, &old);
	EXPECT_EQ(feed(&s), 0);
	t_ike_update(&b, &win, "rw");
	EXPECT_EQ(feed(&s), 0);
	c = xc_store_find_child(&s, 0xc1000001);
	EXPECT(c && xc_store_child_owner(&s, c) == xc_store_find_ike(&s, &win));
	EXPECT(xc_store_find_ike(&s, &lose) == NULL);
	xc_store_free(&s);
}

TEST(ike_store_forgets_half_open)
{
	struct xc_ha_ike_id id = t_id(1, 0), up = t_id(2, 0);
	struct xc_store s;
	unsigned int n = 0;

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1);	/* at 1000, never updated */
	EXPECT_EQ(feed(&s), 0);
	one_tunnel(&s, &up);
	EXPECT_EQ(xc_store_expire(&s, 1100, 120, &n), 0);
	EXPECT_EQ(xc_store_expire(&s, 1121, 120, &n), 1);
	EXPECT_EQ(n, 1);
	EXPECT(xc_store_find_ike(&s, &id) == NULL);
	EXPECT(xc_store_find_ike(&s, &up) != NULL);
	xc_store_free(&s);
}

TEST(ike_store_segments)
{
	struct xc_store s;

	xc_store_init(&s);
	xc_ha_begin(&b, XC_HA_STATUS);
	xc_ha_put_u16(&b, XC_HA_A_SEGMENT, 1);
	xc_ha_put_u16(&b, XC_HA_A_SEGMENT, 2);
	EXPECT_EQ(feed(&s), 1);
	EXPECT_EQ(s.peer_segments, 6);
	xc_ha_begin(&b, XC_HA_SEGMENT_DROP);
	xc_ha_put_u16(&b, XC_HA_A_SEGMENT, 1);
	EXPECT_EQ(feed(&s), 1);
	EXPECT_EQ(s.peer_segments, 4);
	xc_store_free(&s);
}

/* The captured stream of a real charon, fed in order: it ends with every
 * IKE_SA deleted (the capture terminates them), and every IKEv2 message
 * in between is taken; only IKEv1 ones are refused. */
TEST(ike_store_captured_stream)
{
	static struct xc_ha_msg m;
	uint8_t **bufs;
	size_t *lens;
	unsigned int n = t_stream(&bufs, &lens), i, live, keying, children, max_children = 0;
	unsigned int took = 0;
	struct xc_store s;
	int rc;

	xc_store_init(&s);
	for (i = 0; i < n; i++) {
		EXPECT_EQ(xc_ha_parse(bufs[i], lens[i], &m, why, sizeof(why)), 0);
		rc = xc_store_apply(&s, &m, 1000, why, sizeof(why));
		if (rc < 0) {
			const struct xc_ha_attr *id = xc_ha_find(&m, XC_HA_A_IKE_ID);

			/* only IKEv1 is refused */
			if (!(id && id->v.ike_id.version == 1) && m.type != XC_HA_IKE_IV) {
				fprintf(stderr, "  vector %u refused: %s\n", i, why);
				EXPECT(0);
			}
		} else if (rc == 0) {
			took++;
		}
		xc_store_counts(&s, &live, &keying, &children);
		if (children > max_children)
			max_children = children;
	}
	EXPECT(took >= 8);
	EXPECT(max_children >= 1);
	/* every IKE_SA ended; what they keyed goes once the grace has passed */
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live, 0);
	xc_store_expire(&s, 1000 + XC_REKEY_GRACE_S, 120, NULL);
	xc_store_counts(&s, &live, &keying, &children);
	EXPECT_EQ(live + keying + children, 0);
	t_stream_free(bufs, lens, n);
	xc_store_free(&s);
}
