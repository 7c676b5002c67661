#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tunnel handed from gateway A to gateway B, both halves, between
# unmodified charon daemons (ike_lib.sh's topology), from the context
# container that `xfrmctx-ike record` writes on A.
#
# The peer brings a tunnel up to A and rekeys its IKE_SA once, so that its
# CHILD_SA is keyed by a predecessor IKE_SA. The recorder on A follows A's
# HA stream and writes one container per snapshot: the IKE_SA records and
# A's kernel SAs of the same CHILD_SAs, with their packet rates; every
# second, and frozen on demand. B takes over with `xfrmctx-ike takeover`:
# the IKE half into B's charon (passive), the counters onto the SAs that
# charon installs (the module's update), the VIP, then activation.
#
# Planned: A's segment is dropped (its IKE_SA turns passive), the recorder
# writes a frozen container on SIGUSR1, B takes over with no jump (the
# counters are exact), A's charon stops without a DELETE.
# Crash (IKE_CRASH=1): A's charon and recorder are killed (kill -9) and the
# VIP leaves A while the peer pings; B takes over from the recorder's last
# periodic container, with jumps sized from the recorded rates: B's first
# outbound sequence number must lie above everything A sent, and B's replay
# window above everything A accepted.
#
# Then: the peer's IKE_SA is untouched, B holds it with the same SPIs, the
# peer drops none of B's ESP, no DELETE and no IKE_SA_INIT on the wire, and
# a CHILD_SA rekey and an IKE_SA rekey initiated from each side succeed
# between the peer and B. Last (IKE_BASELINE=1), the baseline: A comes back
# with no context, B dies, and the peer must negotiate a new IKE_SA.
#
#   IKE_AUTH=psk|cert (default psk)
#   IKE_CHANNEL=lan: A's HA stream goes to a second address of A in
#   cleartext (the recorder refuses it without --insecure); default: loopback
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

auth=${IKE_AUTH:-psk}
channel=${IKE_CHANNEL:-loopback}
crash=${IKE_CRASH:-}
baseline=${IKE_BASELINE:-1}
[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run)"

now_ms() { date +%s%3N; }
T_START=$(now_ms)
step() { log "[+$(( $(now_ms) - T_START )) ms] $*"; }

load_module
on_exit unload_module	# registered first: runs after the charons stopped
ike_require
ike_topo
step "topology"
log "authentication: $auth, HA channel: $channel," \
    "$([ -n "$crash" ] && echo 'crash of A' || echo 'planned hand-over')"

if [ "$channel" = lan ]; then
	ha_a="10.0.0.2 10.0.0.22"
	ip -n "$gwA" addr add 10.0.0.22/32 dev lo
else
	ha_a="127.0.0.1 127.0.0.2"
fi
set -- $ha_a
rec_args="--charon $1 --listen $2"
ike_conf peer peer "$auth" none
ike_conf gwA gw "$auth" "$ha_a no yes"
ike_conf gwB gw "$auth" "127.0.0.1 127.0.0.2 no no"
ctx=$IKE_DIR/tunnel.ctx
step "configurations"

ike_launch gwB "$gwB"
ike_launch peer "$peer"
if [ "$channel" = lan ]; then
	# Without --insecure the recorder refuses the cleartext channel: A's
	# RESYNC (one second after it starts) is dropped with the reason.
	ip netns exec "$gwA" "$XFRMCTX_IKE" record $rec_args --file "$IKE_DIR/probe.ctx" \
		--interval 0 2>"$IKE_DIR/probe.log" &
	probe=$!
	ike_launch gwA "$gwA"
	refused() { grep -q 'dropped datagram from 10.0.0.2:4510: the channel .* is not IPsec-protected' "$IKE_DIR/probe.log"; }
	slowwait 15 refused
	check "the recorder refuses a cleartext channel unless --insecure" refused
	kill $probe; wait $probe
	grep dropped "$IKE_DIR/probe.log" | head -n 1 | sed 's/^/#   /'
	rec_args="$rec_args --insecure"
fi
echo "# [$gwA] $XFRMCTX_IKE record $rec_args --file $ctx --interval 1"
ip netns exec "$gwA" "$XFRMCTX_IKE" record $rec_args --file "$ctx" --interval 1 2>"$IKE_DIR/record.log" &
rec=$!
on_exit "kill $rec 2>/dev/null; wait $rec 2>/dev/null"
[ "$channel" = lan ] || ike_launch gwA "$gwA"
ike_ready gwA
ike_ready gwB
ike_ready peer
step "charons started"
slowwait 5 test -s "$ctx" || die "the recorder wrote no container"
check_eq "container mode" "600" "$(stat -c %a "$ctx")"
ike_segment gwA +1
slowwait 5 grep -q 'HA segment 1 activated' "$IKE_DIR/gwA/charon.log" || fail "A did not activate its segment"
step "three charons up, A's recorder running"

# capture IKE on the peer's side from here on
pcap=$IKE_DIR/peer.pcap
ip netns exec "$peer" tcpdump -i eth0 -n -U -w "$pcap" 'udp port 500 or udp port 4500' \
	2>"$IKE_DIR/tcpdump.log" &
tcpd=$!
on_exit "kill $tcpd 2>/dev/null; wait $tcpd 2>/dev/null"
slowwait 5 grep -q listening "$IKE_DIR/tcpdump.log" || die "tcpdump did not start"

t=$(now_ms)
check "the peer brings the tunnel up to A" ike_swan peer --initiate --child net --timeout 30
log "IKE_SA_INIT + IKE_AUTH + CHILD_SA to A took $(( $(now_ms) - t )) ms"
step "tunnel up"
check "the peer rekeys the IKE_SA (its CHILD_SA stays keyed by the old one)" \
	ike_swan peer --rekey --ike rw
# steady traffic from here to the end: 20 pings a second
ip netns exec "$peer" ping -D -O -i 0.05 -W 1 -I 192.168.1.1 192.168.2.1 \
	>"$IKE_DIR/ping.log" 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null; wait $pinger 2>/dev/null"
step "tunnel up and rekeyed, pinging"

spis_peer=$(ike_sa_spis peer)
read -r spi_i spi_r <<<"$spis_peer"
spi_of() {	# spi_of NS DST: the ESP SA to DST in NS
	ip -n "$1" xfrm state list dst "$2" proto esp | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | head -n1
}
a_in=$(spi_of "$gwA" "$IKE_VIP")
a_out=$(spi_of "$gwA" 10.0.0.1)
show() { "$XFRMCTX" -j context show -i "$ctx"; }
# The recorder holds the IKE_SA with its CHILD_SA and the predecessor that
# keys it, and both kernel SAs with a rate between two snapshots.
recorded() {
	show | jq -e --arg i "$spi_i" --arg r "$spi_r" --arg in "$a_in" --arg out "$a_out" '
		(.["ike-sa"][] | select(.["spi-i"] == $i and .["spi-r"] == $r and .state == "live"
			and (.children | length) == 1 and .children[0]["spi-in"] == $in)) and
		([.sa[].spi] | sort) == ([$in, $out] | sort) and
		([.["sa-rate"][] | select(.["prev-time-ms"] != null)] | length) == 2 and
		(.["sa-rate"][] | select(.spi == $out) | .["peak-out-pps"] > 0)' >/dev/null
}
# cheap first: the recorder logs what a write holds when that changes
rec_has() { grep -q '1 IKE_SAs (+1 keying), 1 CHILD_SAs, 2 SAs' "$IKE_DIR/record.log"; }
slowwait 10 rec_has
t=$SECONDS
until recorded; do
	[ $((SECONDS - t)) -lt 10 ] || { sed 's/^/# rec: /' "$IKE_DIR/record.log"; show | sed 's/^/# /'; die "the container does not hold the tunnel"; }
	sleep 0.5
done
c_json=$(show)
check_eq "A and the peer hold the same IKE_SA" "$spis_peer" "$(ike_sa_spis gwA)"
check_eq "the container's keying predecessor, recorder trigger, frozen" "1 periodic false" \
	"$(jq -r '[([.["ike-sa"][] | select(.state == "keying-only")] | length), .recorder.trigger, .frozen] | join(" ")' <<<"$c_json")"
no_keys() { ! jq -e '.. | strings | select(test("^0x[0-9a-f]{16,}$"))' <<<"$c_json" >/dev/null; }
check "keys are not shown without --reveal-keys" no_keys
"$XFRMCTX" context show -i "$ctx" | sed 's/^/#   /'
step "container checked"

# ---- hand-over
oseq_of() {	# oseq_of NS DST SPI: the SA's 64-bit output sequence number
	ip -n "$1" -s xfrm state get dst "$2" proto esp spi "$3" |
		sed -n 's/.*oseq-hi \(0x[0-9a-f]*\), oseq \(0x[0-9a-f]*\).*/\1 \2/p' |
		{ read -r hi lo && echo $(( (hi << 32) + lo )); }
}
seq_of() {	# the top of its replay window
	ip -n "$1" -s xfrm state get dst "$2" proto esp spi "$3" |
		sed -n 's/.* seq-hi \(0x[0-9a-f]*\), seq \(0x[0-9a-f]*\),.*/\1 \2/p' |
		{ read -r hi lo && echo $(( (hi << 32) + lo )); }
}
vip_to_b="ip -n $gwB addr add $IKE_VIP/32 dev eth0 && ip netns exec $gwB busybox arping -q -U -c 1 -I eth0 -s $IKE_VIP $IKE_VIP; true"
t0=$(now_ms)
if [ -n "$crash" ]; then
	# A dies: charon and recorder killed, the VIP gone. B takes over from
	# the last container the recorder wrote.
	log "crash at $t0"
	kill -9 $rec "${IKE_PID[gwA]}"
	run - ip -n "$gwA" addr del "$IKE_VIP/32" dev eth0
	run_cmd=$vip_to_b
	floor=16	# small, so that the rate term must cover what A sent
else
	# A's IKE_SA turns passive, then the recorder freezes A's SAs and
	# writes the container on demand (ESP stops here until the VIP moves)
	log "hand-over starts at $t0"
	ike_segment gwA -1
	kill -USR1 $rec
	on_demand() { grep -q '(on-demand, ' "$IKE_DIR/record.log"; }
	slowwait 5 on_demand || fail "the recorder did not write a container on demand"
	run_cmd="ip -n $gwA addr del $IKE_VIP/32 dev eth0 && $vip_to_b"
	floor=1024
fi
t_ctx=$(now_ms)
out=$(ip netns exec "$gwB" "$XFRMCTX_IKE" takeover --file "$ctx" --listen 127.0.0.2 \
	--charon 127.0.0.1 --fifo "$(ike_fifo gwB)" --floor $floor --run "$run_cmd" \
	2>"$IKE_DIR/takeover.log")
rc=$?
t_done=$(now_ms)
check_eq "takeover exit status" 0 "$rc"
echo "$out" | sed 's/^/#   /'
sed 's/^/# takeover: /' "$IKE_DIR/takeover.log"
# A's kernel SAs, frozen or no longer reached, hold what A last used
a_oseq=$(oseq_of "$gwA" 10.0.0.1 "$a_out")
a_seq=$(seq_of "$gwA" "$IKE_VIP" "$a_in")
[ -n "$crash" ] && { ip -n "$gwA" xfrm state flush; ip -n "$gwA" xfrm policy flush; }
# the take-over's lines, as shell variables: out_oseq, out_jump, in_seq, ...
eval "$(awk '$1 == "counters" { d = $6; for (i = 7; i < NF; i += 2) printf "%s_%s=%s\n", d, $i, $(i + 1) }
	$1 == "takeover" { for (i = 2; i < NF; i += 2) printf "t_%s=%s\n", $i, $(i + 1) }' <<<"$out")"
check_eq "the take-over updated both SAs, none missing" "2 0" "${t_sas:-} ${t_missing:-}"
snap_oseq=${out_oseq:-0}; out_jump=${out_jump:-0}
snap_seq=${in_seq:-0}; in_jump=${in_jump:-0}
b_oseq=$(oseq_of "$gwB" 10.0.0.1 "$a_out")
if [ -n "$crash" ]; then
	check_eq "the snapshot was not frozen" "no no" "${out_frozen:-} ${in_frozen:-}"
	log "A at the crash: oseq $a_oseq, seq $a_seq; snapshot $out_age_ms ms old: oseq $snap_oseq" \
	    "seq $snap_seq; rates out $out_pps/s in $in_pps/s; jumps out $out_jump in $in_jump"
	check "the outbound jump clears what A sent after the snapshot ($snap_oseq + $out_jump > $a_oseq)" \
		test $((snap_oseq + out_jump)) -gt "$a_oseq"
	check "the replay window moved past what A accepted ($snap_seq + $in_jump >= $a_seq)" \
		test $((snap_seq + in_jump)) -ge "$a_seq"
else
	check_eq "the snapshot was frozen, no jump" "yes yes 0 0" \
		"${out_frozen:-} ${in_frozen:-} $out_jump $in_jump"
	check_eq "the frozen snapshot holds A's counters" "$a_oseq $a_seq" "$snap_oseq $snap_seq"
fi
# read back by the take-over right after the update, before the VIP moved
check_eq "B's SAs hold the snapshot's counters plus the jumps (out, in)" \
	"$((snap_oseq + out_jump)) $((snap_seq + in_jump))" "${out_now:-} ${in_now:-}"
check "B's outbound counter $b_oseq went on from there" test "$b_oseq" -ge $((snap_oseq + out_jump))
log "take-over: container ready $((t_ctx - t0)) ms after the start, take-over done after" \
    "$((t_done - t0)) ms ($t_sent_ms ms replay, charon's SAs at $t_kernel_ms ms," \
    "counters at $t_counters_ms ms, VIP at $t_run_ms ms, active at $t_active_ms ms)"
b_in_pkts() {
	ip -n "$gwB" -s xfrm state get dst "$IKE_VIP" proto esp spi "$a_in" 2>/dev/null |
		sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1
}
pkts_active=$(b_in_pkts)
[ -z "$crash" ] && ike_stop gwA TERM	# passive: no DELETE
step "taken over"

check_eq "B holds the peer's IKE_SA, established" "ESTABLISHED $spis_peer" "$(ike_sa_main gwB)"
check_eq "the peer's IKE_SA is untouched" "$spis_peer" "$(ike_sa_spis peer)"
no_delete() { ! grep -q 'received DELETE' "$IKE_DIR/peer/charon.log"; }
check "A sent no DELETE to the peer" no_delete
b_answered() { awk -v t="$t_done" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { f = 1; exit } } END { exit !f }' "$IKE_DIR/ping.log"; }
slowwait 5 b_answered
check "B answers the peer's pings before any rekey" b_answered
check "B decrypts the peer's ESP ($(b_in_pkts) packets, $pkts_active at activation)" test "$(b_in_pkts)" -gt 0
peer_fail() {
	ip -n "$peer" -s xfrm state get dst 10.0.0.1 proto esp spi "$a_out" |
		sed -n 's/.*replay \([0-9]*\) failed \([0-9]*\).*/replay \1 failed \2/p'
}
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
b_drops=$(ip -n "$gwB" -s xfrm state get dst "$IKE_VIP" proto esp spi "$a_in" |
	sed -n 's/.*replay \([0-9]*\) failed \([0-9]*\).*/replay \1 failed \2/p')
log "B's inbound SA dropped: $b_drops (in-jump $in_jump)"

step "IKE checked"
# ---- rekeys between the peer and B, each side initiating; the pings go on
t_rekey=$(now_ms)
rekey() {	# rekey NAME --child net|--ike rw
	ike_swan "$1" --rekey "$2" "$3" >"$IKE_DIR/rekey.log" 2>&1
	grep -q 'rekey completed successfully' "$IKE_DIR/rekey.log"
}
check "the peer's CHILD_SA rekey with B succeeds" rekey peer --child net
check "B's CHILD_SA rekey with the peer succeeds" rekey gwB --child net
check "the peer's IKE_SA rekey with B succeeds" rekey peer --ike rw
spis_new=$(ike_sa_spis peer)
check "the IKE_SA has new SPIs, B has them too" test "$spis_new" != "$spis_peer" -a "$spis_new" = "$(ike_sa_spis gwB)"
check "B's IKE_SA rekey with the peer succeeds" rekey gwB --ike rw
check_eq "peer and B agree on the IKE_SA after B's rekey" "$(ike_sa_spis peer)" "$(ike_sa_spis gwB)"
t_rekeyed=$(now_ms)
answered_after() { awk -v t="$1" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) n++ } END { exit !(n >= 3) }' "$IKE_DIR/ping.log"; }
slowwait 5 answered_after "$t_rekeyed"
check "ESP both ways with B after the four rekeys" answered_after "$t_rekeyed"
step "rekeyed"

kill $pinger 2>/dev/null; wait $pinger 2>/dev/null
# ping -D lines: "[epoch.us] 64 bytes from ...: icmp_seq=N ..."; the longest
# stretch without an answered ping that begins around the take-over
gap=$(awk -v t0="$t0" -v t1="$t_done" -F'[][]' '/bytes from/ {
	ms = $2 * 1000; seq = $0; sub(/.*icmp_seq=/, "", seq); sub(/ .*/, "", seq)
	if (have && pms >= t0 - 100 && pms <= t1 + 1000 && ms - pms > best) {
		best = ms - pms; from = pms; lost = seq - pseq - 1
	}
	have = 1; pms = ms; pseq = seq
} END { printf "%.0f %.0f %d\n", best, from - t0, lost }' "$IKE_DIR/ping.log")
read -r gap_ms gap_from lost <<<"$gap"
log "with context$([ -n "$crash" ] && echo ' (crash)'): longest stretch without an answered ping:" \
    "$gap_ms ms (from $gap_from ms after the start), $lost pings unanswered"
after_rekey=$(awk -v t="$t_rekey" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) n++ } END { print n + 0 }' "$IKE_DIR/ping.log")
log "pings answered during and after the rekeys: $after_rekey"

# ---- no IKE_SA_INIT on the wire after the hand-over started
kill $tcpd 2>/dev/null; wait $tcpd 2>/dev/null
tcpdump -tt -n -r "$pcap" 2>/dev/null >"$IKE_DIR/pcap.txt"
inits_total=$(grep -c 'ikev2_init' "$IKE_DIR/pcap.txt")
inits_after=$(awk -v t0="$t0" '/ikev2_init/ { if (int($1 * 1000) >= t0) n++ } END { print n + 0 }' "$IKE_DIR/pcap.txt")
ike_after=$(awk -v t0="$t0" '{ if (int($1 * 1000) >= t0) n++ } END { print n + 0 }' "$IKE_DIR/pcap.txt")
check "the capture shows the first IKE_SA_INIT ($inits_total packets)" test "$inits_total" -ge 2
check_eq "IKE_SA_INIT packets after the hand-over started ($ike_after IKE packets in all)" 0 "$inits_after"
step "checked"

# ---- baseline: a gateway without context; the peer must start over
[ "$baseline" = 1 ] || exit 0
ike_start gwA "$gwA"
step "A restarted without context"
ip netns exec "$peer" ping -D -O -i 0.05 -W 1 -I 192.168.1.1 192.168.2.1 >"$IKE_DIR/ping2.log" 2>&1 &
pinger=$!
sleep 1
# B dies as A did in the crash variant: charon killed, the VIP gone with it
ike_stop gwB KILL
run - ip -n "$gwB" addr del "$IKE_VIP/32" dev eth0
t0=$(now_ms)
ike_move_vip "$gwA" ""
ike_swan peer --terminate --ike rw --force --timeout 2 >/dev/null 2>&1
check "baseline: the peer negotiates a new IKE_SA with A" ike_swan peer --initiate --child net --timeout 30
answered_after2() { awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { f = 1; exit } } END { exit !f }' "$IKE_DIR/ping2.log"; }
slowwait 10 answered_after2
kill $pinger 2>/dev/null; wait $pinger 2>/dev/null
last_a=$(awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 <= t) s = $0 } END { print s }' "$IKE_DIR/ping2.log")
first_b=$(awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { print; exit } }' "$IKE_DIR/ping2.log")
icmp_seq() { sed -n 's/.*icmp_seq=\([0-9]*\).*/\1/p'; }
ms_of() { awk -F'[][]' '{ printf "%.0f\n", $2 * 1000 }'; }
if [ -n "$last_a" ] && [ -n "$first_b" ]; then
	log "baseline without context: first ping answered $(( $(ms_of <<<"$first_b") - t0 )) ms after the take-over started," \
	    "$(( $(icmp_seq <<<"$first_b") - $(icmp_seq <<<"$last_a") - 1 )) pings unanswered" \
	    "(the peer re-initiates at once: the best case, no DPD wait)"
else
	fail "baseline: no ping answered after the take-over"
fi
step "baseline done"
