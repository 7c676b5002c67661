// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The replay: the messages come in the order a passive charon needs, each
 * one passes the same checks as charon's own, and feeding them to a fresh
 * store rebuilds the records that produced them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike_replay.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[256];

struct sink {
	struct xc_store into;
	char order[64][40];
	unsigned int n;
	int bad;
};

static int collect(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	static struct xc_ha_msg m;
	struct sink *k = ctx;
	char w[256];

	if (xc_ha_parse(msg->data, msg->len, &m, w, sizeof(w)) || xc_ha_check(&m, w, sizeof(w))) {
		fprintf(stderr, "  replay built a bad %s: %s\n", what, w);
		k->bad++;
		return 0;
	}
	if (k->n < 64)
		snprintf(k->order[k->n++], sizeof(k->order[0]), "%s", xc_ha_msg_name(m.type));
	if (xc_store_apply(&k->into, &m, 1000, w, sizeof(w)) < 0) {
		fprintf(stderr, "  replayed %s refused: %s\n", what, w);
		k->bad++;
	}
	return 0;
}

static void feed_all(struct xc_store *s, int64_t now)
{
	EXPECT(t_feed(s, &b, now, why, sizeof(why)) >= 0);
}

TEST(ike_replay_order_and_rebuild)
{
	struct xc_ha_ike_id old = t_id(1, 0), new = t_id(2, 1), other = t_id(3, 0), half = t_id(4, 0);
	static const char *const want[] = {
		"IKE_ADD", "IKE_UPDATE", "CHILD_ADD",		/* old keys its CHILD_SA */
		"IKE_ADD", "IKE_UPDATE", "CHILD_ADD",		/* new, rekey of old */
		"IKE_MID_INITIATOR", "IKE_MID_RESPONDER",
		"IKE_ADD", "IKE_UPDATE", "CHILD_ADD",		/* a second tunnel */
	};
	struct xc_replay_stats st;
	struct xc_store s;
	struct sink k;
	uint8_t *a, *c;
	size_t la, lc;
	unsigned int i;

	xc_store_init(&s);
	t_ike_add(&b, &old, NULL, 1); feed_all(&s, 1000);
	t_ike_update(&b, &old, "rw"); feed_all(&s, 1000);
	t_child_add(&b, &old, 0xc1000001, 0xc2000001, 0); feed_all(&s, 1000);
	t_ike_add(&b, &new, &old, 2); feed_all(&s, 1000);
	t_ike_delete(&b, &old); feed_all(&s, 1000);
	t_ike_update(&b, &new, "rw"); feed_all(&s, 1000);
	t_child_add(&b, &new, 0xc1000002, 0xc2000002, 1); feed_all(&s, 1000);
	t_ike_mid(&b, XC_HA_IKE_MID_INITIATOR, &new, 3); feed_all(&s, 1000);
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &new, 7); feed_all(&s, 1000);
	t_ike_add(&b, &other, NULL, 3); feed_all(&s, 1000);
	t_ike_update(&b, &other, "rw2"); feed_all(&s, 1000);
	t_child_add(&b, &other, 0xc1000003, 0xc2000003, 0); feed_all(&s, 1000);
	t_ike_add(&b, &half, NULL, 4); feed_all(&s, 1000);	/* never came up */

	memset(&k, 0, sizeof(k));
	xc_store_init(&k.into);
	EXPECT_EQ(xc_replay_build(&s, collect, &k, &st, why, sizeof(why)), 0);
	EXPECT_EQ(k.bad, 0);
	EXPECT_EQ(st.ike_sas, 2);
	EXPECT_EQ(st.keying, 1);
	EXPECT_EQ(st.children, 3);
	EXPECT_EQ(st.skipped, 1);
	EXPECT_EQ(k.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < k.n && i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT_STREQ(k.order[i], want[i]);

	/* the rebuilt store has what the recorded one has (less the IKE_SA
	 * that never came up, and the old one is still live: on charon the
	 * IKE_ADD of its successor retires it, the store waits for a delete) */
	t_ike_delete(&b, &old);
	EXPECT_EQ(t_feed(&k.into, &b, 1000, why, sizeof(why)), 0);
	t_ike_delete(&b, &half);
	EXPECT_EQ(t_feed(&s, &b, 1000, why, sizeof(why)), 0);
	EXPECT_EQ(t_snapshot(&s, &a, &la), 0);
	EXPECT_EQ(t_snapshot(&k.into, &c, &lc), 0);
	EXPECT(la == lc && !memcmp(a, c, la));
	free(a);
	free(c);
	xc_store_free(&s);
	xc_store_free(&k.into);
}

static int stop_at_third(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	unsigned int *n = ctx;

	(void)msg;
	(void)what;
	return ++*n == 3 ? -EIO : 0;
}

TEST(ike_replay_stops_when_sending_fails)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	struct xc_replay_stats st;
	struct xc_store s;
	unsigned int n = 0;

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1); feed_all(&s, 1000);
	t_ike_update(&b, &id, "rw"); feed_all(&s, 1000);
	t_child_add(&b, &id, 0xc1000001, 0xc2000001, 0); feed_all(&s, 1000);
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &id, 2); feed_all(&s, 1000);
	EXPECT_EQ(xc_replay_build(&s, stop_at_third, &n, &st, why, sizeof(why)), -EIO);
	EXPECT_EQ(n, 3);
	xc_store_free(&s);
}

static int names(void *ctx, const struct xc_ha_buf *msg, const char *what)
{
	static struct xc_ha_msg m;
	struct sink *k = ctx;
	char w[256];

	(void)what;
	if (xc_ha_parse(msg->data, msg->len, &m, w, sizeof(w)) || xc_ha_check(&m, w, sizeof(w)))
		k->bad++;
	else if (k->n < 64)
		snprintf(k->order[k->n++], sizeof(k->order[0]), "%s", xc_ha_msg_name(m.type));
	return 0;
}

/* xfrmctxd's heal: one IKE_SA again, without its IKE_ADD (charon holds it)
 * or whole; nothing for an IKE_SA that is gone or never came up */
TEST(ike_replay_one_ike_sa_again)
{
	static const char *const again[] = { "IKE_UPDATE", "CHILD_ADD", "IKE_MID_RESPONDER" };
	struct xc_ha_ike_id id = t_id(1, 0), half = t_id(2, 0);
	struct xc_replay_stats st;
	const struct xc_ike *ike;
	struct xc_store s;
	struct sink k;
	unsigned int i;

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1); feed_all(&s, 1000);
	t_ike_update(&b, &id, "rw"); feed_all(&s, 1000);
	t_child_add(&b, &id, 0xc1000001, 0xc2000001, 0); feed_all(&s, 1000);
	t_ike_mid(&b, XC_HA_IKE_MID_RESPONDER, &id, 2); feed_all(&s, 1000);
	t_ike_add(&b, &half, NULL, 2); feed_all(&s, 1000);
	ike = xc_store_find_ike(&s, &id);
	EXPECT(ike != NULL);

	memset(&k, 0, sizeof(k));
	EXPECT_EQ(xc_replay_ike_v(&s, ike, XC_HA_VERSION, 0, names, &k, &st, why, sizeof(why)), 0);
	EXPECT_EQ(k.bad, 0);
	EXPECT_EQ(k.n, 3);
	for (i = 0; i < k.n && i < 3; i++)
		EXPECT_STREQ(k.order[i], again[i]);
	EXPECT_EQ(st.children, 1);

	memset(&k, 0, sizeof(k));
	EXPECT_EQ(xc_replay_ike_v(&s, ike, XC_HA_VERSION, 1, names, &k, &st, why, sizeof(why)), 0);
	EXPECT_EQ(k.n, 4);
	EXPECT_STREQ(k.order[0], "IKE_ADD");

	memset(&k, 0, sizeof(k));
	EXPECT_EQ(xc_replay_ike_v(&s, xc_store_find_ike(&s, &half), XC_HA_VERSION, 0, names, &k,
				  &st, why, sizeof(why)), -EINVAL);
	EXPECT_EQ(k.n, 0);
	xc_store_free(&s);
}
