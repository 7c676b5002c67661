#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: a live IPsec tunnel moves from gateway A to gateway B while the
# peer keeps pinging through it (topology in topo.sh):
#
#     peer 10.0.0.1 ====ESP==== VIP 10.0.0.100 on gateway A  -->  on gateway B
#
# A freezes and exports the tunnel (SAs and policies) into a context file;
# B imports it staged, with the output sequence counter moved 64 ahead; the
# VIP moves; B thaws; A releases its copy. The peer's SA must show no replay
# or integrity failure afterwards. Every command is printed as it runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/xfrmctx_lib.sh"

load_module
on_exit unload_module

say() { echo "# == $*"; }
# The namespace's packet counters where a hand-over drops packets: XFRM's
# (/proc/net/xfrm_stat; a frozen SA's drops, Documentation/xfrm_ctx.rst,
# "Drops") and IP's (/proc/net/snmp: a packet for an address the host no
# longer has), one "name value" a line.
pkt_counters() {
	ip netns exec "$1" awk '
		FILENAME ~ /xfrm_stat/ { print $1, $2; next }
		$1 == "Ip:" && !hdr { for (i = 2; i <= NF; i++) h[i] = $i; hdr = 1; next }
		$1 == "Ip:" { for (i = 2; i <= NF; i++) print "Ip" h[i], $i }
	' /proc/net/xfrm_stat /proc/net/snmp
}
# What grew since a pkt_counters snapshot (file $2): "Name +N ...".
pkt_grown() {
	pkt_counters "$1" | awk 'NR == FNR { v[$1] = $2; next }
		$1 in v && $2 > v[$1] && $1 ~ /^(Xfrm|IpInAddrErrors|IpInDiscards|IpOutNoRoutes)/ {
			out = out sep $1 " +" ($2 - v[$1]); sep = " " } END { print out }' "$2" -
}
# Packets dropped at a frozen or absent SA, from a pkt_grown line.
sa_drops() { grep -o 'Xfrm\(In\|Out\)\(StateInvalid\|NoStates\) +[0-9]*' <<<"$1" | awk '{ n += $2 } END { print n + 0 }'; }

counters() {	# NS LABEL: the tunnel's counters in NS
	local o s
	read -r o _ < <(xc_counters "$1" "$SPI_IN")
	read -r _ s < <(xc_counters "$1" "$SPI_OUT")
	echo "#    $2: sent to the peer up to seq $o, received from it up to seq $s"
}

say "set-up: peer, gateway A (holds VIP $VIP and the tunnel), gateway B (idle)"
topo_setup
ctx=$(mktemp -d)/tunnel.ctx
on_exit rm -rf "$(dirname "$ctx")"

say "the peer pings 192.168.2.1 through the tunnel, 20 per second, for 8 s"
ping0=$(date +%s%N)
in_ns "$peer" ping -i 0.05 -w 8 -W 1 -I 192.168.1.1 192.168.2.1 > "$ctx.ping" 2>&1 &
pinger=$!
slowwait 10 bash -c "[ \"\$(grep -c 'bytes from' $ctx.ping)\" -ge 20 ]" ||
	die "no ping got through gateway A"
counters "$gwA" "gateway A before"

say "hand-over"
pkt_counters "$gwA" > "$ctx.cA"; pkt_counters "$gwB" > "$ctx.cB"
t0=$(date +%s%N)
# (no output filters here: every process start costs ~0.5 s in the VM)
xc "$gwA" state export reqid "$TUN_REQID" freeze lease 30 -o "$ctx"
xc "$gwB" state import -i "$ctx" staged out-jump 64
topo_move_vip "$gwB" "$gwA"
xc "$gwB" state thaw reqid "$TUN_REQID"
t1=$(date +%s%N)
xc "$gwA" state release reqid "$TUN_REQID"
window=$(( (t1 - t0) / 1000000 ))
echo "#    freeze to thaw: $window ms (wall clock in the emulated guest), 6 commands"

say "what the context file held (keys hidden)"
xc - context show -i "$ctx" 2>/dev/null | sed 's/^/#    /'

wait "$pinger"
say "result"
grep -E 'packets transmitted' "$ctx.ping" | sed 's/^/#    ping: /'
read -r sent got < <(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$ctx.ping")
grownA=$(pkt_grown "$gwA" "$ctx.cA"); grownB=$(pkt_grown "$gwB" "$ctx.cB")
echo "#    counters that grew from the freeze to the end: A: ${grownA:-none}"
echo "#                                                   B: ${grownB:-none}"
# Why pings are lost: from the freeze on A to the thaw on B the tunnel is
# closed on purpose (fail closed: a frozen SA carries nothing); a ping whose
# request or reply meets that window is lost. How much of the window falls
# within the ping's 8 s depends on how long the set-up took.
pend=$((ping0 + 8000000000))
lo=$(( t0 > ping0 ? t0 : ping0 )); hi=$(( t1 < pend ? t1 : pend ))
overlap=$(( hi > lo ? (hi - lo) / 1000000 : 0 ))
echo "#    lost $((sent - got)) of $sent pings. The tunnel is closed on purpose from the freeze on A"
echo "#    to the thaw on B (a frozen SA carries nothing), and a ping that meets it is lost."
echo "#    $overlap ms of that $window ms window fell within the ping's 8 s (the rest of the"
echo "#    window came after it, so the loss varies with how long the set-up took); XFRM"
echo "#    counted $(sa_drops "$grownA") drops at frozen or absent SAs on A and $(sa_drops "$grownB") on B. The window is"
echo "#    the run time of the 6 commands, about $((window / 6)) ms each in this emulated (qemu TCG)"
echo "#    guest; bench/ measures the hand-over on its own."
counters "$gwB" "gateway B after "
peer_stats=$(ip -n "$peer" -s xfrm state list spi "$SPI_IN" | grep -o 'replay-window [0-9]* replay [0-9]* failed [0-9]*')
echo "#    the peer's inbound SA: $peer_stats"
check_eq "the peer saw no replay or integrity failure" "replay-window 0 replay 0 failed 0" "$peer_stats"
check "gateway A holds no SA any more" test "$(xc_count "$gwA" state)" = 0
check "the tunnel still carries traffic, through B" xc_ping "$peer" 5
