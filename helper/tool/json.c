// SPDX-License-Identifier: GPL-2.0-or-later
/* The JSON writer (see json.h). */
#include <inttypes.h>

#include "json.h"

void jw_init(struct jw *w, FILE *f, int pretty)
{
	w->f = f;
	w->pretty = pretty;
	w->depth = 0;
	w->count[0] = 0;
}

static void indent(struct jw *w)
{
	int i;

	if (!w->pretty)
		return;
	fputc('\n', w->f);
	for (i = 0; i < w->depth; i++)
		fputs("    ", w->f);
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* The separator and the key before a value. */
static void member(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->count[w->depth]++)
			fputc(',', w->f);
		indent(w);
	}
	if (key) {
		put_string(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open_(struct jw *w, const char *key, char c)
{
	member(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->count[w->depth] = 0;
}

static void close_(struct jw *w, char c)
{
	int had = w->count[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	fputc(c, w->f);
}

void jw_obj_open(struct jw *w, const char *key) { open_(w, key, '{'); }
void jw_obj_close(struct jw *w) { close_(w, '}'); }
void jw_arr_open(struct jw *w, const char *key) { open_(w, key, '['); }
void jw_arr_close(struct jw *w) { close_(w, ']'); }

void jw_str(struct jw *w, const char *key, const char *val)
{
	member(w, key);
	put_string(w->f, val);
}

void jw_u64(struct jw *w, const char *key, uint64_t val)
{
	member(w, key);
	fprintf(w->f, "%" PRIu64, val);
}

void jw_bool(struct jw *w, const char *key, int val)
{
	member(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_hex(struct jw *w, const char *key, const uint8_t *p, size_t n)
{
	size_t i;

	member(w, key);
	fputs("\"0x", w->f);
	for (i = 0; i < n; i++)
		fprintf(w->f, "%02x", p[i]);
	fputc('"', w->f);
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
	fflush(w->f);
}
