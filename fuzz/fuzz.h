/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared by the libFuzzer targets. A target must never crash, leak or read
 * out of bounds on any input; where a parser accepts an input, the target
 * also checks a property (re-encoding gives back what was decoded), and
 * FUZZ_ASSERT turns a broken property into a crash libFuzzer records.
 */
#ifndef XC_FUZZ_H
#define XC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Output of the printers goes nowhere: the target checks that printing a
 * hostile record is safe, not what it prints. */
static inline void fuzz_quiet_stdout(void)
{
	static int done;

	if (!done) {
		done = 1;
		if (!freopen("/dev/null", "w", stdout))
			abort();
	}
}

#endif
