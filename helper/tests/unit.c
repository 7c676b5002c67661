// SPDX-License-Identifier: GPL-2.0-or-later
/* The runner of the host unit tests (see unit.h). */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static struct unit_test *head, **tail = &head;
int unit_failed_checks;

void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct unit_test *t;

	for (t = head; t; t = t->next) {
		int before = unit_failed_checks;

		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		t->fn();
		if (unit_failed_checks == before) {
			printf("PASS %s\n", t->name);
			passed++;
		} else {
			printf("FAIL %s\n", t->name);
			failed++;
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
