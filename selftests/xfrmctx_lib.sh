#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shared by the xfrmctx_*.sh tests (sourced after lib.sh and topo.sh).
# Process starts are slow in the VM (the root is on 9p): these helpers
# parse with bash rather than grep, sed or awk.

XFRMCTX_HANDOVER=${XFRMCTX_HANDOVER:-$XC_TOP/build/helper/xfrmctx-handover}

# xc NS ARGS...: xfrmctx in NS ("-": here), the command echoed on stderr
# so that its output can be captured.
xc() {
	local ns=$1; shift
	echo "# [$ns] xfrmctx $*" >&2
	in_ns "$ns" "$XFRMCTX" "$@"
}

# xc_counters NS SPI: "oseq seq" of an ESN SA, 64-bit, from one ip call.
xc_counters() {
	local out re='seq-hi (0x[0-9a-f]+), seq (0x[0-9a-f]+), oseq-hi (0x[0-9a-f]+), oseq (0x[0-9a-f]+)'
	out=$(ip -n "$1" xfrm state list spi "$2")
	[[ $out =~ $re ]] || { echo "0 0"; return 1; }
	echo "$(( (BASH_REMATCH[3] << 32) + BASH_REMATCH[4] )) $(( (BASH_REMATCH[1] << 32) + BASH_REMATCH[2] ))"
}

# xc_count NS state|policy: how many SAs or policies NS holds.
xc_count() {
	local line n=0
	while read -r line; do
		[[ $line == src\ * ]] && n=$((n + 1))
	done < <(ip -n "$1" xfrm "$2")
	echo "$n"
}

# xc_ping NS COUNT: COUNT echo requests from the peer's inner address, all
# answered.
xc_ping() {
	in_ns "$1" ping -c "$2" -i 0.05 -W 1 -q -I 192.168.1.1 192.168.2.1 >/dev/null
}

# xc_contains HAYSTACK NEEDLE: case-insensitive substring test.
xc_contains() {
	[[ ${1,,} == *"${2,,}"* ]]
}
