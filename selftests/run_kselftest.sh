#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run selftests and report in KTAP: one line per test, its output behind
# "# ". Exit 0 when none failed (skips are not failures).
#   run_kselftest.sh [-t SECONDS] TEST...
cd "$(dirname "$0")" || exit 1
tmo=${XC_TEST_TIMEOUT:-300}
if [ "${1:-}" = -t ]; then tmo=$2; shift 2; fi

echo "TAP version 13"
echo "1..$#"
n=0; failed=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: xfrm_ctx: $t"
	dmesg -C 2>/dev/null
	start=$SECONDS
	timeout -k 10 "$tmo" "./$t" 2>&1 | sed -u 's/^/# /; s/^# # /# /'
	rc=${PIPESTATUS[0]}
	took=$((SECONDS - start))
	case $rc in
	0) echo "ok $n selftests: xfrm_ctx: $t # ${took}s" ;;
	4) echo "ok $n selftests: xfrm_ctx: $t # SKIP" ;;
	124) echo "not ok $n selftests: xfrm_ctx: $t # TIMEOUT ${tmo}s"; failed=$((failed + 1)) ;;
	*) echo "not ok $n selftests: xfrm_ctx: $t # exit=$rc"; failed=$((failed + 1)) ;;
	esac
done
echo "# Totals: pass:$((n - failed)) fail:$failed"
[ $failed -eq 0 ]
