/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small streaming JSON writer in the shape of iproute2's: objects and
 * arrays nest, members are "key": value, commas and (with pretty) newlines
 * and indentation are placed by the writer.
 */
#ifndef XC_JSON_H
#define XC_JSON_H

#include <stdint.h>
#include <stdio.h>

#define JW_MAX_DEPTH 16

struct jw {
	FILE *f;
	int pretty;
	int depth;
	int count[JW_MAX_DEPTH];	/* members written at each level */
};

void jw_init(struct jw *w, FILE *f, int pretty);
/* key is the member name inside an object, NULL inside an array or at the
 * top. */
void jw_obj_open(struct jw *w, const char *key);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w, const char *key);
void jw_arr_close(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t val);
void jw_bool(struct jw *w, const char *key, int val);
/* A hex string "0x..." of a byte array. */
void jw_hex(struct jw *w, const char *key, const uint8_t *p, size_t n);
/* After the outermost value: newline and flush. */
void jw_end(struct jw *w);

#endif
