#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SA helpers of the module selftests (sourced after lib.sh): driving the
# xfrm_ctx family with xcnl.py, naming SAs, and reading `ip -s xfrm state`.

XCNL="python3 $XC_TOP/selftests/xcnl.py"

# xc NS VERB CMD [JSON]: a request to the family in namespace NS; prints the
# reply as JSON, the refusal on stderr (exit 1).
xc() {
	local ns=$1; shift
	in_ns "$ns" $XCNL "$@"
}

# xc_must NS VERB CMD [JSON]: xc, echoed, and the test dies if it fails.
xc_must() {
	local out
	echo "# [$1] xcnl $2 $3 ${4:-}" | cut -c1-200
	out=$(xc "$@") || die "xcnl $2 $3 failed in $1"
	printf '%s\n' "$out"
}

# xc_refused NS EXPECT_ERRNO EXPECT_TEXT VERB CMD [JSON]: the request must be
# refused with that errno and an extack message containing the text.
xc_refused() {
	local ns=$1 eno=$2 text=$3 err
	shift 3
	if err=$(xc "$ns" "$@" 2>&1 >/dev/null); then
		fail "xcnl $1 $2 was accepted; expected $eno ($text)"
		return
	fi
	if [[ "$err" != *"error: $eno:"* || "$err" != *"$text"* ]]; then
		fail "xcnl $1 $2: expected $eno \"$text\", got: $err"
		return
	fi
	log "ok: refused with $err"
}

# sa_id FAMILY DADDR SPI PROTO: an sa-id object.
sa_id() { $XCNL id "$@"; }

# The SA dump of a namespace, for byte-for-byte before/after comparisons:
# everything `ip -s xfrm state` shows but the current use time, which a
# test's own traffic may set.
xfrm_dump() {
	ip -n "$1" -s xfrm state | sed 's/ use [0-9-]* [0-9:]*$/ use */'
}

# The same, without what a hand-over changes on purpose: counters, replay
# state and times. Keys, algorithms, selectors and flags must all stay.
xfrm_shape() {
	ip -n "$1" -s xfrm state | sed -E \
		-e '/^\s+(add|seq-hi|replay_window|anti-replay)/d' \
		-e '/^\s+[0-9a-f]{8}( [0-9a-f]{8})* *$/d' \
		-e '/\(bytes\), [0-9]+\(packets\)$/d' \
		-e 's/ seq 0x[0-9a-f]+ / /'
}

# oseq and seq (64-bit) of an SA: "oseq seq".
xfrm_counters() {
	local ns=$1 spi=$2 line o oh s sh
	line=$(ip -n "$ns" xfrm state list spi "$spi" | grep -E 'oseq' | head -n1)
	if [[ "$line" == *oseq-hi* ]]; then
		sh=$(sed -n 's/.*seq-hi \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
		s=$(sed -n 's/.*, seq \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
		oh=$(sed -n 's/.*oseq-hi \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
		o=$(sed -n 's/.*, oseq \(0x[0-9a-f]*\).*/\1/p' <<<"$line")
	else
		sh=0 oh=0
		s=$(sed -n 's/.*context: seq \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
		o=$(sed -n 's/.*oseq \(0x[0-9a-f]*\).*/\1/p' <<<"$line")
	fi
	echo "$(( (oh << 32) + o )) $(( (sh << 32) + s ))"
}

# replay and integrity failures of an SA: "replay-window replay failed".
xfrm_failures() {
	ip -n "$1" -s xfrm state list spi "$2" |
		sed -n 's/.*replay-window \([0-9]*\) replay \([0-9]*\) failed \([0-9]*\).*/\1 \2 \3/p' |
		head -n1
}
