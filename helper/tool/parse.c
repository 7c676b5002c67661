// SPDX-License-Identifier: GPL-2.0-or-later
/* The command line's words (see parse.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

char usage_msg[256];

int usage_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
	va_end(ap);
	return -1;
}

int parse_u64(const char *key, const char *word, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!word[0] || word[0] == '-')
		return usage_fail("argument \"%s\" is wrong: \"%s\" value is invalid", word, key);
	errno = 0;
	n = strtoull(word, &end, 0);
	if (errno || *end)
		return usage_fail("argument \"%s\" is wrong: \"%s\" value is invalid", word, key);
	*v = n;
	return 0;
}

int parse_u32(const char *key, const char *word, uint32_t *v)
{
	uint64_t n;

	if (parse_u64(key, word, &n))
		return -1;
	if (n > UINT32_MAX)
		return usage_fail("argument \"%s\" is wrong: \"%s\" value is too large", word, key);
	*v = n;
	return 0;
}

int parse_addr(const char *key, const char *word, uint16_t *family, xfrm_address_t *a)
{
	uint16_t f;

	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, word, a) == 1)
		f = AF_INET;
	else if (inet_pton(AF_INET6, word, a) == 1)
		f = AF_INET6;
	else
		return usage_fail("argument \"%s\" is wrong: \"%s\" value is not an IPv4 or IPv6 address",
				  word, key);
	if (*family && *family != f)
		return usage_fail("argument \"%s\" is wrong: \"%s\" has another address family than the SA's other address",
				  word, key);
	*family = f;
	return 0;
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "esp", IPPROTO_ESP },
	{ "ah", IPPROTO_AH },
	{ "comp", IPPROTO_COMP },
	{ "route2", IPPROTO_ROUTING },
	{ "hao", IPPROTO_DSTOPTS },
};

int parse_proto(const char *word, uint8_t *proto)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(word, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	if (parse_u32("proto", word, &n) || n > 255)
		return usage_fail("argument \"%s\" is wrong: \"proto\" value is invalid (esp, ah, comp, route2, hao)",
				  word);
	*proto = n;
	return 0;
}

const char *proto_name(uint8_t proto)
{
	static char buf[8];
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(buf, sizeof(buf), "%u", proto);
	return buf;
}

const char *next_value(int argc, char **argv, int *i)
{
	if (*i + 1 >= argc) {
		usage_fail("\"%s\" needs a value", argv[*i]);
		return NULL;
	}
	(*i)++;
	return argv[*i];
}

enum { W_SRC = 1, W_DST = 2, W_PROTO = 4, W_SPI = 8, W_MARK = 16, W_IF_ID = 32 };

/* The ID a word belongs to: the last one, or a new one if the last
 * already has this word. */
static struct xfrmctx_sa_id *cur_id(struct sel_args *s, unsigned int word)
{
	struct xfrmctx_sa_id *ids;
	unsigned int *sets;

	if (s->n_ids && !(s->sets[s->n_ids - 1] & word)) {
		s->sets[s->n_ids - 1] |= word;
		return &s->ids[s->n_ids - 1];
	}
	ids = realloc(s->ids, (s->n_ids + 1) * sizeof(*ids));
	if (!ids)
		return NULL;
	s->ids = ids;
	sets = realloc(s->sets, (s->n_ids + 1) * sizeof(*sets));
	if (!sets)
		return NULL;
	s->sets = sets;
	memset(&ids[s->n_ids], 0, sizeof(ids[0]));
	sets[s->n_ids] = word;
	return &ids[s->n_ids++];
}

int parse_sel_word(int argc, char **argv, int *i, struct sel_args *s)
{
	const char *w = argv[*i], *v;
	struct xfrmctx_sa_id *id;
	unsigned int bit;

	if (!strcmp(w, "all")) {
		s->all = 1;
		return 1;
	}
	if (!strcmp(w, "reqid")) {
		if (!(v = next_value(argc, argv, i)) || parse_u32("reqid", v, &s->reqid))
			return -1;
		if (s->has_reqid)
			return usage_fail("argument \"%s\" is wrong: only one reqid may be given", v);
		s->has_reqid = 1;
		return 1;
	}
	bit = !strcmp(w, "src") ? W_SRC : !strcmp(w, "dst") ? W_DST :
	      !strcmp(w, "proto") ? W_PROTO : !strcmp(w, "spi") ? W_SPI :
	      !strcmp(w, "mark") ? W_MARK : !strcmp(w, "if_id") ? W_IF_ID : 0;
	if (!bit)
		return 0;
	if (!(v = next_value(argc, argv, i)))
		return -1;
	id = cur_id(s, bit);
	if (!id)
		return usage_fail("out of memory");
	switch (bit) {
	case W_SRC:
		if (parse_addr("src", v, &id->family, &id->saddr))
			return -1;
		id->has_saddr = 1;
		break;
	case W_DST:
		if (parse_addr("dst", v, &id->family, &id->daddr))
			return -1;
		break;
	case W_PROTO:
		if (parse_proto(v, &id->proto))
			return -1;
		id->has_proto = 1;
		break;
	case W_SPI:
		if (parse_u32("spi", v, &id->spi))
			return -1;
		id->has_spi = 1;
		break;
	case W_MARK:
		if (parse_u32("mark", v, &id->mark))
			return -1;
		id->mark_mask = 0xffffffff;
		id->has_mark = 1;
		if (*i + 1 < argc && !strcmp(argv[*i + 1], "mask")) {
			(*i)++;
			if (!(v = next_value(argc, argv, i)) || parse_u32("mask", v, &id->mark_mask))
				return -1;
		}
		break;
	case W_IF_ID:
		if (parse_u32("if_id", v, &id->if_id))
			return -1;
		id->has_if_id = 1;
		break;
	}
	return 1;
}

int sel_finish(struct sel_args *s, const char *cmd, int allow_all)
{
	int i, kinds = (s->n_ids > 0) + s->has_reqid + s->all;

	if (s->all && !allow_all)
		return usage_fail("argument \"all\" is wrong: \"%s\" takes an SA id or a reqid", cmd);
	if (kinds == 0)
		return usage_fail("\"%s\" needs an SA (src ADDR dst ADDR proto PROTO spi SPI), a reqid%s",
				  cmd, allow_all ? " or all" : "");
	if (kinds > 1)
		return usage_fail("\"%s\" takes SA ids, a reqid%s, only one kind", cmd,
				  allow_all ? " or all" : "");
	for (i = 0; i < s->n_ids; i++) {
		const struct xfrmctx_sa_id *id = &s->ids[i];

		if (!(s->sets[i] & W_DST))
			return usage_fail("SA id %d of \"%s\" has no dst", i + 1, cmd);
		if (!id->has_proto)
			return usage_fail("SA id %d of \"%s\" has no proto", i + 1, cmd);
		if (!id->has_spi)
			return usage_fail("SA id %d of \"%s\" has no spi", i + 1, cmd);
	}
	return 0;
}

void sel_free(struct sel_args *s)
{
	free(s->ids);
	free(s->sets);
	memset(s, 0, sizeof(*s));
}
