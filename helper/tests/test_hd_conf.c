// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * xfrmctxd's configuration: the shipped example loads as it is (every key
 * an operator reads about there is one the daemon knows), and bad values
 * are refused with the line that holds them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hd.h"
#include "unit.h"

static struct hd_conf c;
static char err[512];

/* text after the keys every configuration needs (its line 5 on) */
static int load_text(const char *text)
{
	static const char base[] = "id = gwA\npeer-id = gwB\npeer = 10.0.0.3\nlisten = 10.0.0.2\n";
	char path[] = "/tmp/xc-unit-hdconf-XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, base, strlen(base)) != (ssize_t)strlen(base) ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -99;
	close(fd);
	err[0] = '\0';
	r = hd_conf_load(path, &c, err, sizeof(err));
	unlink(path);
	return r;
}

TEST(hd_conf_loads_the_shipped_example)
{
	EXPECT_EQ(hd_conf_load(XC_CONTRIB "/xfrmctxd.conf.example", &c, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	EXPECT_EQ(c.ha_version, 0);	/* auto */
	EXPECT_STREQ(c.charon_bin, "/usr/lib/ipsec/charon");
	EXPECT_EQ(c.floor, 1024);
	EXPECT(c.in_factor > 0.74 && c.in_factor < 0.76);
	EXPECT(c.factor > 1.99 && c.factor < 2.01);
}

TEST(hd_conf_ha_version)
{
	EXPECT_EQ(load_text("ha-version = 4\n"), 0);
	EXPECT_EQ(c.ha_version, 4);
	EXPECT_EQ(load_text("ha-version = auto\ncharon-bin = /opt/charon\n"), 0);
	EXPECT_EQ(c.ha_version, 0);
	EXPECT_STREQ(c.charon_bin, "/opt/charon");
	EXPECT(load_text("\nha-version = 6\n") < 0);
	EXPECT(strstr(err, ":6: ha-version: bad value \"6\"") != NULL);
	EXPECT(load_text("ha-version = 2\n") < 0);
	EXPECT(load_text("ha-versio = 4\n") < 0);
	EXPECT(strstr(err, ":5: unknown key \"ha-versio\"") != NULL);
}
