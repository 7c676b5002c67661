// SPDX-License-Identifier: GPL-2.0-or-later
/* The context container: round trip, files, and every corrupt case. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "libxfrmctx.h"
#include "channel.h"
#include "unit.h"

static struct xfrmctx_ctx *sample(void)
{
	static const uint8_t a[] = { 1, 2, 3, 4, 5 };
	static const uint8_t b[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22 };
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();

	EXPECT_EQ(xfrmctx_ctx_add_meta(c, XFRMCTX_SOURCE_MODULE, 1), 0);
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_SA, XFRMCTX_REC_F_MANDATORY, a, sizeof(a)), 0);
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_SA, XFRMCTX_REC_F_MANDATORY, b, sizeof(b)), 0);
	/* An optional record of a type nobody knows: kept, skipped by users. */
	EXPECT_EQ(xfrmctx_ctx_append(c, 999, 0, "x", 1), 0);
	EXPECT_EQ(xfrmctx_ctx_append(c, XFRMCTX_REC_POLICY, XFRMCTX_REC_F_MANDATORY, NULL, 0), 0);
	return c;
}

/* Re-sign an image after editing it, so the check under test is not the
 * checksum. */
static void resign(uint8_t *img, size_t len)
{
	unsigned int n;

	EVP_Digest(img, len - 32, img + len - 32, &n, EVP_sha256(), NULL);
}

static void expect_refused(const uint8_t *img, size_t len, const char *needle)
{
	char err[XFRMCTX_ERRLEN] = "";
	struct xfrmctx_ctx *c = (void *)1;

	EXPECT(xfrmctx_ctx_from_buf(img, len, &c, err, sizeof(err)) < 0);
	EXPECT(c == NULL);
	if (!strstr(err, needle)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, needle);
		unit_failed_checks++;
	}
}

TEST(context_round_trip_keeps_every_record)
{
	struct xfrmctx_ctx *c = sample(), *d = NULL;
	struct xfrmctx_record r = { 0 }, s = { 0 };
	char err[XFRMCTX_ERRLEN] = "";
	struct xfrmctx_meta m;
	unsigned int major, minor;
	void *img;
	size_t len;
	int n = 0;

	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, &len), 0);
	EXPECT(memcmp(img, "\x89XFRMCTX", 8) == 0);
	EXPECT_EQ(xfrmctx_ctx_from_buf(img, len, &d, err, sizeof(err)), 0);
	EXPECT_STREQ(err, "");
	if (!d)
		return;
	xfrmctx_ctx_version(d, &major, &minor);
	EXPECT_EQ(major, 1);
	EXPECT_EQ(minor, 0);
	while (xfrmctx_ctx_next(c, &r) > 0) {
		EXPECT_EQ(xfrmctx_ctx_next(d, &s), 1);
		EXPECT_EQ(s.type, r.type);
		EXPECT_EQ(s.flags, r.flags);
		EXPECT_EQ(s.len, r.len);
		EXPECT_EQ(s.offset, r.offset);
		EXPECT(memcmp(s.data, r.data, r.len) == 0);
		n++;
	}
	EXPECT_EQ(n, 5);
	EXPECT_EQ(xfrmctx_ctx_next(d, &s), 0);
	EXPECT_EQ(xfrmctx_ctx_count(d, XFRMCTX_REC_SA), 2);
	EXPECT_EQ(xfrmctx_ctx_count(d, 999), 1);

	memset(&r, 0, sizeof(r));
	EXPECT_EQ(xfrmctx_ctx_next(d, &r), 1);
	EXPECT_EQ(r.type, XFRMCTX_REC_META);
	EXPECT_EQ(r.flags, XFRMCTX_REC_F_NESTED);
	EXPECT_EQ(xfrmctx_meta_decode(r.data, r.len, &m), 0);
	EXPECT_EQ(m.source, XFRMCTX_SOURCE_MODULE);
	EXPECT_EQ(m.frozen, 1);
	EXPECT(m.created > 1600000000);
	EXPECT_STREQ(m.writer, "libxfrmctx " XFRMCTX_VERSION);
	free(img);
	xfrmctx_ctx_free(c);
	xfrmctx_ctx_free(d);
}

TEST(context_append_refuses_bad_types_and_sizes)
{
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	static uint8_t big[70000];

	EXPECT_EQ(xfrmctx_ctx_append(c, 0, 0, "x", 1), -EINVAL);
	EXPECT_EQ(xfrmctx_ctx_append(c, 0x2001, 0, "x", 1), -EINVAL);
	EXPECT_EQ(xfrmctx_ctx_append(c, 5, 0x4000, "x", 1), -EINVAL);
	EXPECT_EQ(xfrmctx_ctx_append(c, 5, 0, big, sizeof(big)), -EMSGSIZE);
	EXPECT_EQ(xfrmctx_ctx_append(c, 5, 0, big, XFRMCTX_REC_MAX_LEN), 0);
	EXPECT_EQ(xfrmctx_ctx_count(c, 5), 1);
	xfrmctx_ctx_free(c);
}

static uint8_t *sample_image(size_t *len)
{
	struct xfrmctx_ctx *c = sample();
	void *img;

	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, len), 0);
	xfrmctx_ctx_free(c);
	return img;
}

TEST(context_refuses_wrong_magic)
{
	size_t len;
	uint8_t *img = sample_image(&len);

	img[1] = 'Y';
	resign(img, len);
	expect_refused(img, len, "not an xfrm-ctx context file (wrong magic)");
	expect_refused((const uint8_t *)"hello, world\n", 13, "wrong magic");
	expect_refused(img, 0, "wrong magic");
	free(img);
}

TEST(context_refuses_unknown_major_version)
{
	size_t len;
	uint8_t *img = sample_image(&len);

	img[8] = 2;
	img[9] = 7;
	resign(img, len);
	expect_refused(img, len, "unsupported format version 2.7 (this reader knows 1.x)");
	free(img);
}

TEST(context_accepts_newer_minor_version)
{
	char err[XFRMCTX_ERRLEN] = "";
	struct xfrmctx_ctx *c = NULL;
	unsigned int major, minor;
	size_t len;
	uint8_t *img = sample_image(&len);

	img[9] = 9;
	resign(img, len);
	EXPECT_EQ(xfrmctx_ctx_from_buf(img, len, &c, err, sizeof(err)), 0);
	if (c) {
		xfrmctx_ctx_version(c, &major, &minor);
		EXPECT_EQ(minor, 9);
	}
	xfrmctx_ctx_free(c);
	free(img);
}

TEST(context_refuses_other_byte_order)
{
	size_t len;
	uint8_t *img = sample_image(&len);

	img[10] = img[10] == 1 ? 2 : 1;
	resign(img, len);
	expect_refused(img, len, "-endian host, this host is");
	img[10] = 7;
	resign(img, len);
	expect_refused(img, len, "unknown byte order 7");
	free(img);
}

TEST(context_refuses_truncated_files)
{
	size_t len;
	uint8_t *img = sample_image(&len);

	expect_refused(img, len - 1, "truncated: the header announces");
	expect_refused(img, 20, "truncated: 20 bytes, a context file has at least 48");
	expect_refused(img, 8, "truncated: 8 bytes");
	free(img);
}

TEST(context_refuses_trailing_bytes)
{
	size_t len;
	uint8_t *img = sample_image(&len);
	uint8_t *longer = calloc(1, len + 3);

	memcpy(longer, img, len);
	expect_refused(longer, len + 3, "3 unexpected bytes after the checksum");
	free(longer);
	free(img);
}

TEST(context_refuses_bad_checksum)
{
	size_t len;
	uint8_t *img = sample_image(&len);

	img[40] ^= 0x01;	/* inside the META record */
	expect_refused(img, len, "checksum mismatch: the file is corrupt");
	img[40] ^= 0x01;
	img[len - 1] ^= 0x80;	/* the checksum itself */
	expect_refused(img, len, "checksum mismatch");
	free(img);
}

TEST(context_refuses_unknown_mandatory_record)
{
	struct xfrmctx_ctx *c = sample();
	void *img;
	size_t len;

	EXPECT_EQ(xfrmctx_ctx_append(c, 4000, XFRMCTX_REC_F_MANDATORY, "abcd", 4), 0);
	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, &len), 0);
	expect_refused(img, len, "record type 4000 at offset");
	expect_refused(img, len, "is mandatory but unknown to this reader");
	free(img);
	xfrmctx_ctx_free(c);
}

TEST(context_refuses_record_running_past_the_end)
{
	size_t len;
	uint8_t *img = sample_image(&len);
	uint16_t big = 0xfff0;

	memcpy(img + 16, &big, 2);	/* length of the first record */
	resign(img, len);
	expect_refused(img, len, "corrupt record at offset 16: length 65520");
	free(img);
}

static char tmpdir[] = "/tmp/xc-unit-XXXXXX";

TEST(context_file_is_0600_atomic_and_reads_back)
{
	char path[256], err[XFRMCTX_ERRLEN] = "", other[256];
	struct xfrmctx_ctx *c = sample(), *d = NULL;
	struct stat st;
	mode_t old;
	int fd;

	EXPECT(mkdtemp(tmpdir) != NULL);
	snprintf(path, sizeof(path), "%s/ctx", tmpdir);
	/* A world-readable file in the way, and a permissive umask. */
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	EXPECT(write(fd, "old", 3) == 3);
	close(fd);
	old = umask(0);
	EXPECT_EQ(xfrmctx_ctx_write(c, path, err, sizeof(err)), 0);
	umask(old);
	EXPECT_STREQ(err, "");
	EXPECT_EQ(stat(path, &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600);
	EXPECT_EQ(xfrmctx_ctx_read(path, &d, err, sizeof(err)), 0);
	EXPECT(d != NULL);
	if (d)
		EXPECT_EQ(xfrmctx_ctx_count(d, XFRMCTX_REC_SA), 2);
	xfrmctx_ctx_free(d);
	/* Only the file itself is left: no temporary. */
	snprintf(other, sizeof(other), "ls -A %s | wc -l | grep -qx 1", tmpdir);
	EXPECT_EQ(system(other), 0);

	/* Errors name the file. */
	snprintf(path, sizeof(path), "%s/missing/ctx", tmpdir);
	EXPECT(xfrmctx_ctx_write(c, path, err, sizeof(err)) < 0);
	EXPECT(strstr(err, "missing/ctx") != NULL);
	EXPECT_EQ(xfrmctx_ctx_read(path, &d, err, sizeof(err)), -ENOENT);
	EXPECT(strstr(err, "cannot open") && strstr(err, "missing/ctx"));

	/* A corrupt file is refused with the file's name in front. */
	snprintf(path, sizeof(path), "%s/junk", tmpdir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	EXPECT(write(fd, "\x89XFRMCTXjunk", 12) == 12);
	close(fd);
	EXPECT(xfrmctx_ctx_read(path, &d, err, sizeof(err)) < 0);
	EXPECT(strstr(err, "/junk: truncated: 12 bytes") != NULL);
	snprintf(other, sizeof(other), "rm -rf %s", tmpdir);
	EXPECT_EQ(system(other), 0);
	xfrmctx_ctx_free(c);
}

/* A context file open to group or others holds every key of its tunnels
 * for them to read: refused, as key files are, with the chmod to run. Both
 * readers: the library's and the HA commands' (which also take sealed
 * files: those are encrypted and not checked). */
TEST(context_file_open_to_group_or_others_is_refused)
{
	char dir[] = "/tmp/xc-unit-mode-XXXXXX", path[64], want[200], err[XFRMCTX_ERRLEN];
	static const mode_t modes[] = { 0644, 0640, 0604, 0660 };
	struct xfrmctx_ctx *c = sample(), *d = NULL;
	unsigned int i;

	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/ctx", dir);
	EXPECT_EQ(xfrmctx_ctx_write(c, path, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		EXPECT_EQ(chmod(path, modes[i]), 0);
		snprintf(want, sizeof(want),
			 "context file %s has mode %04o: others may read the keys; chmod 600 %s",
			 path, (unsigned int)modes[i], path);
		err[0] = '\0';
		EXPECT_EQ(xfrmctx_ctx_read(path, &d, err, sizeof(err)), -EPERM);
		EXPECT(d == NULL);
		EXPECT_STREQ(err, want);
		err[0] = '\0';
		EXPECT_EQ(xc_ctx_load(path, NULL, &d, err, sizeof(err)), -EPERM);
		EXPECT(d == NULL);
		EXPECT_STREQ(err, want);
	}
	/* 0400 and 0600 are the owner's alone. */
	EXPECT_EQ(chmod(path, 0400), 0);
	EXPECT_EQ(xfrmctx_ctx_read(path, &d, err, sizeof(err)), 0);
	xfrmctx_ctx_free(d);
	d = NULL;
	EXPECT_EQ(chmod(path, 0600), 0);
	EXPECT_EQ(xc_ctx_load(path, NULL, &d, err, sizeof(err)), 0);
	EXPECT(d != NULL);
	xfrmctx_ctx_free(d);
	unlink(path);
	rmdir(dir);
	xfrmctx_ctx_free(c);
}

/* The example of Documentation/context-file.rst, byte for byte. */
TEST(context_image_matches_the_documented_example)
{
	static const uint8_t doc[] = {
		0x89, 0x58, 0x46, 0x52, 0x4d, 0x43, 0x54, 0x58, 0x01, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
		0x08, 0x00, 0x09, 0x00, 0x61, 0x62, 0x63, 0x64, 0x1c, 0x00, 0xbd, 0xb2, 0xd9, 0xe2, 0xae, 0x07,
		0xf0, 0x60, 0xb1, 0x80, 0xac, 0xbc, 0x9a, 0x7a, 0xa0, 0x26, 0xa7, 0x04, 0xc0, 0x40, 0xbd, 0x5d,
		0x8f, 0x4a, 0x7f, 0x44, 0x7b, 0x33, 0xa4, 0x84,
	};
	struct xfrmctx_ctx *c = xfrmctx_ctx_new();
	void *img;
	size_t len;

	EXPECT_EQ(xfrmctx_ctx_append(c, 9, 0, "abcd", 4), 0);
	EXPECT_EQ(xfrmctx_ctx_to_buf(c, &img, &len), 0);
	EXPECT_EQ(len, sizeof(doc));
	EXPECT(len == sizeof(doc) && memcmp(img, doc, len) == 0);
	free(img);
	xfrmctx_ctx_free(c);
}
