// SPDX-License-Identifier: GPL-2.0-or-later
/* Printing records: keys only with --reveal-keys, JSON that stays JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_show.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[256];

static char *show(const struct xc_store *s, int json, int reveal)
{
	struct xc_show_opts o = { .json = json, .reveal_keys = reveal };
	struct xc_ikef_meta meta = { .serial = 7, .window = 1 };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	xc_show_store(f, s, &meta, &o);
	fclose(f);
	return out;
}

TEST(ike_show_hides_keys_unless_asked)
{
	struct xc_ha_ike_id id = t_id(1, 0);
	struct xc_store s;
	char *text, *json, *revealed;
	/* t_ike_add fills the DH secret with keybyte ^ 0x5a: 0x5b for 1 */
	const char *secret_hex = "5b5b5b5b5b5b5b5b";

	xc_store_init(&s);
	t_ike_add(&b, &id, NULL, 1);
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_ike_update(&b, &id, "r\"w");
	t_feed(&s, &b, 1000, why, sizeof(why));
	t_child_add(&b, &id, 0xc1000001, 0xc2000001, 1);
	t_feed(&s, &b, 1000, why, sizeof(why));

	text = show(&s, 0, 0);
	json = show(&s, 1, 0);
	revealed = show(&s, 1, 1);
	EXPECT(strstr(text, "spi-in 0xc1000001") != NULL);
	EXPECT(strstr(text, "[64 bytes hidden]") != NULL);
	EXPECT(strstr(text, secret_hex) == NULL);
	EXPECT(strstr(json, secret_hex) == NULL);
	EXPECT(strstr(json, "\"hex\"") == NULL);
	EXPECT(strstr(json, "\"config\":\"r\\\"w\"") != NULL);
	EXPECT(strstr(json, "\"serial\":7") != NULL);
	EXPECT(strstr(revealed, secret_hex) != NULL);
	free(text);
	free(json);
	free(revealed);
	xc_store_free(&s);
}
