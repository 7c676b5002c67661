// SPDX-License-Identifier: GPL-2.0-or-later
/* The command line: numbers, addresses, SA ids, and each state command's
 * words; every error names the wrong word. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"
#include "state_args.h"
#include "unit.h"

#define ARGV(...) (char *[]){ __VA_ARGS__ }
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cmd, a, ...) parse_state_args(cmd, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), a)

static void expect_msg(const char *needle)
{
	if (!strstr(usage_msg, needle)) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", usage_msg, needle);
		unit_failed_checks++;
	}
}

TEST(parse_numbers_hex_and_decimal_as_iproute2)
{
	uint32_t v;
	uint64_t w;

	EXPECT_EQ(parse_u32("spi", "0x2000b001", &v), 0);
	EXPECT_EQ(v, 0x2000b001);
	EXPECT_EQ(parse_u32("spi", "4096", &v), 0);
	EXPECT_EQ(v, 4096);
	EXPECT_EQ(parse_u32("spi", "0x100000000", &v), -1);
	expect_msg("argument \"0x100000000\" is wrong: \"spi\" value is too large");
	EXPECT_EQ(parse_u32("spi", "12abc", &v), -1);
	expect_msg("argument \"12abc\" is wrong: \"spi\" value is invalid");
	EXPECT_EQ(parse_u64("out-jump", "-5", &w), -1);
	expect_msg("argument \"-5\" is wrong: \"out-jump\"");
	EXPECT_EQ(parse_u64("out-jump", "0xffffffffffffffff", &w), 0);
	EXPECT(w == UINT64_MAX);
	EXPECT_EQ(parse_u64("in-jump", "", &w), -1);
}

TEST(parse_addresses_and_protocols)
{
	xfrm_address_t a;
	uint16_t fam = 0;
	uint8_t p;

	EXPECT_EQ(parse_addr("dst", "10.0.0.1", &fam, &a), 0);
	EXPECT_EQ(fam, AF_INET);
	EXPECT_EQ(a.a4, inet_addr("10.0.0.1"));
	EXPECT_EQ(parse_addr("src", "2001:db8::1", &fam, &a), -1);
	expect_msg("argument \"2001:db8::1\" is wrong: \"src\" has another address family");
	fam = 0;
	EXPECT_EQ(parse_addr("src", "2001:db8::1", &fam, &a), 0);
	EXPECT_EQ(fam, AF_INET6);
	EXPECT_EQ(parse_addr("dst", "10.0.0.300", &fam, &a), -1);
	expect_msg("argument \"10.0.0.300\" is wrong: \"dst\" value is not an IPv4 or IPv6 address");
	EXPECT_EQ(parse_proto("esp", &p), 0);
	EXPECT_EQ(p, IPPROTO_ESP);
	EXPECT_EQ(parse_proto("ah", &p), 0);
	EXPECT_EQ(p, IPPROTO_AH);
	EXPECT_EQ(parse_proto("50", &p), 0);
	EXPECT_EQ(p, 50);
	EXPECT_EQ(parse_proto("esb", &p), -1);
	expect_msg("argument \"esb\" is wrong: \"proto\" value is invalid");
	EXPECT_STREQ(proto_name(IPPROTO_COMP), "comp");
}

TEST(parse_freeze_one_id_with_mark_and_if_id)
{
	struct state_args a;

	EXPECT_EQ(PARSE("freeze", &a, "src", "10.0.0.100", "dst", "10.0.0.1", "proto", "esp",
			"spi", "0x2000b001", "mark", "7", "mask", "0xff", "if_id", "9",
			"lease", "60", "renew"), 0);
	EXPECT_EQ(a.sel.n_ids, 1);
	EXPECT_EQ(a.sel.ids[0].spi, 0x2000b001);
	EXPECT_EQ(a.sel.ids[0].proto, IPPROTO_ESP);
	EXPECT(a.sel.ids[0].has_saddr);
	EXPECT_EQ(a.sel.ids[0].mark, 7);
	EXPECT_EQ(a.sel.ids[0].mark_mask, 0xff);
	EXPECT_EQ(a.sel.ids[0].if_id, 9);
	EXPECT_EQ(a.lease, 60);
	EXPECT_EQ(a.renew, 1);
	state_args_free(&a);
}

TEST(parse_several_ids_split_on_repeated_words)
{
	struct state_args a;

	EXPECT_EQ(PARSE("thaw", &a, "dst", "10.0.0.1", "proto", "esp", "spi", "1",
			"dst", "10.0.0.100", "proto", "esp", "spi", "0x10"), 0);
	EXPECT_EQ(a.sel.n_ids, 2);
	EXPECT_EQ(a.sel.ids[0].spi, 1);
	EXPECT_EQ(a.sel.ids[1].spi, 16);
	EXPECT_EQ(a.sel.ids[1].daddr.a4, inet_addr("10.0.0.100"));
	state_args_free(&a);
}

TEST(parse_refuses_incomplete_or_mixed_selections)
{
	struct state_args a;

	EXPECT_EQ(PARSE("freeze", &a, "dst", "10.0.0.1", "spi", "1"), -1);
	expect_msg("SA id 1 of \"freeze\" has no proto");
	state_args_free(&a);
	EXPECT_EQ(PARSE("freeze", &a, "src", "10.0.0.1", "proto", "esp", "spi", "1"), -1);
	expect_msg("has no dst");
	state_args_free(&a);
	EXPECT_EQ(PARSE("release", &a, "reqid", "1", "dst", "10.0.0.1", "proto", "esp", "spi", "1"), -1);
	expect_msg("only one kind");
	state_args_free(&a);
	EXPECT_EQ(PARSE("freeze", &a, "all"), -1);
	expect_msg("argument \"all\" is wrong");
	state_args_free(&a);
	EXPECT_EQ(PARSE("thaw", &a), -1);
	expect_msg("\"thaw\" needs an SA");
	state_args_free(&a);
	EXPECT_EQ(PARSE("thaw", &a, "reqid"), -1);
	expect_msg("\"reqid\" needs a value");
	state_args_free(&a);
}

TEST(parse_export_and_import_words)
{
	struct state_args a;

	EXPECT_EQ(PARSE("export", &a, "reqid", "0x10", "freeze", "lease", "120", "-o", "/tmp/c"), 0);
	EXPECT_EQ(a.sel.reqid, 16);
	EXPECT_EQ(a.freeze, 1);
	EXPECT_EQ(a.lease, 120);
	EXPECT_STREQ(a.file, "/tmp/c");
	state_args_free(&a);
	EXPECT_EQ(PARSE("export", &a, "all", "nopolicy"), 0);
	EXPECT_EQ(a.sel.all, 1);
	EXPECT_EQ(a.nopolicy, 1);
	state_args_free(&a);
	EXPECT_EQ(PARSE("import", &a, "-i", "-", "out-jump", "1000", "in-jump", "0x40", "staged",
			"lease", "5", "replace"), 0);
	EXPECT(a.out_jump == 1000);
	EXPECT(a.in_jump == 64);
	EXPECT_EQ(a.staged, 1);
	EXPECT_EQ(a.replace, 1);
	EXPECT_STREQ(a.file, "-");
	EXPECT_EQ(a.live, 0);
	state_args_free(&a);
	EXPECT_EQ(PARSE("import", &a, "-i", "f", "live-snapshot"), 0);
	EXPECT_EQ(a.live, 1);
	state_args_free(&a);
	EXPECT_EQ(PARSE("update", &a, "live-snapshot"), -1);
	state_args_free(&a);
	EXPECT_EQ(PARSE("update", &a, "out-jump", "5"), 0);
	EXPECT_EQ(a.thaw, 0);
	state_args_free(&a);
	EXPECT_EQ(PARSE("update", &a, "-i", "f", "thaw"), 0);
	EXPECT_EQ(a.thaw, 1);
	state_args_free(&a);
	EXPECT_EQ(PARSE("list-frozen", &a), 0);
	state_args_free(&a);
	EXPECT_EQ(PARSE("list-frozen", &a, "reqid", "3"), 0);
	EXPECT_EQ(a.sel.has_reqid, 1);
	state_args_free(&a);
}

TEST(parse_names_the_wrong_word)
{
	struct state_args a;

	EXPECT_EQ(PARSE("export", &a, "reqid", "1", "frezze"), -1);
	expect_msg("argument \"frezze\" is wrong: unknown word for \"state export\"");
	state_args_free(&a);
	EXPECT_EQ(PARSE("export", &a, "reqid", "1", "lease", "10"), -1);
	expect_msg("takes a lease only with freeze");
	state_args_free(&a);
	EXPECT_EQ(PARSE("import", &a, "staged", "lease", "0"), -1);
	expect_msg("argument \"0\" is wrong: \"lease\" must be 1 to 3600 seconds");
	state_args_free(&a);
	EXPECT_EQ(PARSE("import", &a, "reqid", "1"), -1);
	expect_msg("argument \"reqid\" is wrong: unknown word for \"state import\"");
	state_args_free(&a);
	EXPECT_EQ(PARSE("update", &a, "staged"), -1);
	expect_msg("argument \"staged\" is wrong");
	state_args_free(&a);
	EXPECT_EQ(PARSE("import", &a, "thaw"), -1);
	expect_msg("argument \"thaw\" is wrong: unknown word for \"state import\"");
	state_args_free(&a);
	EXPECT_EQ(PARSE("thaw", &a, "reqid", "1", "lease", "5"), -1);
	expect_msg("argument \"lease\" is wrong");
	state_args_free(&a);
	EXPECT_EQ(PARSE("freeze", &a, "dst", "10.0.0.1", "proto", "esp", "spi", "1", "mark", "x"), -1);
	expect_msg("argument \"x\" is wrong: \"mark\" value is invalid");
	state_args_free(&a);
	EXPECT_EQ(PARSE("dance", &a, "reqid", "1"), -1);
	expect_msg("unknown command \"state dance\"");
	state_args_free(&a);
}
