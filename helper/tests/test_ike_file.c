// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The IKE record file: what is written reads back the same, anything
 * malformed is refused with a reason, and writes are atomic and 0600.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ike_file.h"
#include "ike_record.h"
#include "test_ike_lib.h"
#include "unit.h"

static struct xc_ha_buf b;
static char why[256];

static void rekeyed_tunnel(struct xc_store *s)
{
	struct xc_ha_ike_id old = t_id(1, 0), new = t_id(2, 1);

	xc_store_init(s);
	t_ike_add(&b, &old, NULL, 1);
	t_feed(s, &b, 1000, why, sizeof(why));
	t_ike_update(&b, &old, "rw");
	t_feed(s, &b, 1000, why, sizeof(why));
	t_child_add(&b, &old, 0xc1000001, 0xc2000001, 0);
	t_feed(s, &b, 1000, why, sizeof(why));
	t_ike_add(&b, &new, &old, 2);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_delete(&b, &old);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_update(&b, &new, "rw");
	t_feed(s, &b, 1001, why, sizeof(why));
	t_ike_mid(&b, XC_HA_IKE_MID_INITIATOR, &new, 4);
	t_feed(s, &b, 1001, why, sizeof(why));
	t_child_add(&b, &new, 0xc1000002, 0xc2000002, 1);
	t_feed(s, &b, 1002, why, sizeof(why));
}

TEST(ike_file_roundtrip)
{
	struct xc_store s, back;
	struct xc_ikef_meta meta;
	uint8_t *one, *two;
	size_t l1, l2;
	unsigned int live, keying, children;

	rekeyed_tunnel(&s);
	EXPECT_EQ(t_snapshot(&s, &one, &l1), 0);
	EXPECT_EQ(xc_ikef_decode(one, l1, &back, &meta, why, sizeof(why)), 0);
	xc_store_counts(&back, &live, &keying, &children);
	EXPECT_EQ(live, 1);
	EXPECT_EQ(keying, 1);
	EXPECT_EQ(children, 2);
	EXPECT_EQ(t_snapshot(&back, &two, &l2), 0);
	EXPECT(l1 == l2 && !memcmp(one, two, l1));
	free(one);
	free(two);
	xc_store_free(&s);
	xc_store_free(&back);
}

static int decode_modified(const uint8_t *good, size_t len, size_t at, uint8_t value,
			   size_t newlen)
{
	uint8_t *copy = malloc(len);
	struct xc_store s;
	struct xc_ikef_meta meta;
	int err;

	memcpy(copy, good, len);
	if (at < len)
		copy[at] = value;
	err = xc_ikef_decode(copy, newlen, &s, &meta, why, sizeof(why));
	if (!err)
		xc_store_free(&s);
	free(copy);
	return err;
}

TEST(ike_file_refuses_malformed)
{
	struct xc_store s;
	uint8_t *good;
	size_t len, n;

	rekeyed_tunnel(&s);
	EXPECT_EQ(t_snapshot(&s, &good, &len), 0);
	xc_store_free(&s);

	EXPECT_EQ(decode_modified(good, len, 0, 'X', len), -EINVAL);
	EXPECT(strstr(why, "not an xfrmctx-ike record file") != NULL);
	EXPECT_EQ(decode_modified(good, len, XC_IKEF_MAGIC_LEN, 9, len), -EINVAL);
	EXPECT(strstr(why, "record format 9") != NULL);
	/* an unknown top-level attribute type (first attribute at byte 16) */
	EXPECT_EQ(decode_modified(good, len, XC_IKEF_HEADER_LEN + 2, 99, len), -EINVAL);
	EXPECT(strstr(why, "unknown attribute type 99") != NULL);
	/* a length that runs past the end */
	EXPECT_EQ(decode_modified(good, len, XC_IKEF_HEADER_LEN + 1, 0x7f, len), -EINVAL);
	EXPECT(strstr(why, "runs past the end") != NULL);
	/* every truncation is refused, none crashes */
	for (n = 0; n < len; n++) {
		int err = decode_modified(good, len, len, 0, n);

		/* cutting exactly between top-level attributes gives a valid,
		 * shorter file; anything else must fail */
		if (!err)
			continue;
		EXPECT_EQ(err, -EINVAL);
	}
	/* every single-byte corruption: refused or decoded, never a crash */
	for (n = XC_IKEF_HEADER_LEN; n < len; n++)
		decode_modified(good, len, n, (uint8_t)(good[n] ^ 0xff), len);
	free(good);
}

TEST(ike_file_refuses_a_child_without_its_keying_ike)
{
	struct xc_store s;
	struct xc_ike *old;
	uint8_t *data;
	size_t len;
	struct xc_ikef_meta meta;
	struct xc_store back;

	rekeyed_tunnel(&s);
	/* change the SPI of the keying predecessor in the file (it comes
	 * first, oldest first): its CHILD_SA names an IKE_SA that is not there */
	old = s.ikes->next;
	EXPECT(old && old->deleted);
	EXPECT_EQ(t_snapshot(&s, &data, &len), 0);
	{
		uint8_t spi[8];
		uint8_t *at;

		memset(spi, 0x01, sizeof(spi));
		at = memmem(data, len, spi, sizeof(spi));
		EXPECT(at != NULL);
		if (at)
			at[0] = 0x42;
	}
	EXPECT_EQ(xc_ikef_decode(data, len, &back, &meta, why, sizeof(why)), -EINVAL);
	EXPECT(strstr(why, "keying IKE_SA is not in the file") != NULL);
	free(data);
	xc_store_free(&s);
}

TEST(ike_file_atomic_write_is_0600_and_leaves_no_temp)
{
	char dir[] = "/tmp/xc-ike-test.XXXXXX", path[256];
	struct stat st;
	uint8_t *data = NULL;
	size_t len = 0;
	DIR *d;
	struct dirent *e;
	int entries = 0;
	mode_t old = umask(0);

	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ctx.ike", dir);
	EXPECT_EQ(xc_file_write_atomic(path, "first", 5, why, sizeof(why)), 0);
	EXPECT_EQ(xc_file_write_atomic(path, "second!", 7, why, sizeof(why)), 0);
	umask(old);
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600);
	EXPECT_EQ(xc_file_read(path, 100, &data, &len, why, sizeof(why)), 0);
	EXPECT(len == 7 && !memcmp(data, "second!", 7));
	xc_file_free(data, len);
	d = opendir(dir);
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			entries++;
	if (d)
		closedir(d);
	EXPECT_EQ(entries, 1);
	/* a directory that does not exist: an error naming the path */
	snprintf(path, sizeof(path), "%s/missing/ctx.ike", dir);
	EXPECT(xc_file_write_atomic(path, "x", 1, why, sizeof(why)) < 0);
	EXPECT(strstr(why, "missing/ctx.ike") != NULL);
	/* a file too large to read is refused */
	snprintf(path, sizeof(path), "%s/ctx.ike", dir);
	EXPECT_EQ(xc_file_read(path, 3, &data, &len, why, sizeof(why)), -EINVAL);
	unlink(path);
	rmdir(dir);
}
