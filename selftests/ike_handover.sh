#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Planned hand-over of the IKE half with strongSwan's HA plugin and
# xfrmctx-ike, between unmodified charon daemons (ike_lib.sh's topology).
#
# The peer brings a tunnel up to gateway A and rekeys its IKE_SA once, so
# that its CHILD_SA is keyed by a predecessor IKE_SA. A's HA stream goes to
# `xfrmctx-ike record` on B's side. Hand-over: A's segment is dropped
# through its FIFO (its IKE_SA turns passive), the recorder writes the
# record on demand, A's charon stops (a passive IKE_SA sends no DELETE), the
# VIP moves to B, and `xfrmctx-ike replay` feeds B's charon the record and
# activates it. Then: the peer's IKE_SA is untouched, B holds it with the
# same SPIs and message IDs, ESP from the peer reaches B, and a CHILD_SA
# rekey and an IKE_SA rekey from each side succeed between the peer and B,
# with no IKE_SA_INIT on the wire. Last, the baseline: A comes back with no
# context, B dies, and the peer must negotiate a new IKE_SA.
#
# What is missing until the module's counters-only update lands
# (XFRM_CTX_CMD_UPDATE): B's outbound ESP starts at sequence number 1, so
# the peer drops B's ESP as replays until the first CHILD_SA rekey. The
# test measures those drops and says so.
#
#   IKE_AUTH=psk|cert (default psk)   IKE_SECRET=1: A's HA channel under IPsec
#   IKE_CRASH=1: A's charon is killed (kill -9, VIP gone) instead of a planned
#   hand-over; B takes over from the last periodic record
#   IKE_BASELINE=0: skip the baseline
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

auth=${IKE_AUTH:-psk}
secret=${IKE_SECRET:-}
crash=${IKE_CRASH:-}
baseline=${IKE_BASELINE:-1}
[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run)"
load_module
on_exit unload_module	# registered first: runs after the charons stopped
ike_require
ike_topo
if [ "$auth" = cert ]; then
	ike_make_certs || die "cannot make test certificates"
fi
log "authentication: $auth, HA channel: $([ -n "$secret" ] && echo 'IPsec (charon.plugins.ha.secret)' || echo 'cleartext (--insecure)')," \
    "$([ -n "$crash" ] && echo 'crash of A' || echo 'planned hand-over')"

now_ms() { date +%s%3N; }

ike_conf peer peer "$auth" none
ike_conf gwA gw "$auth" "10.0.0.2 10.0.0.3 no yes ${secret:+$IKE_HA_SECRET}"
ike_conf gwB gw "$auth" "127.0.0.1 127.0.0.2 no no"
[ -n "$secret" ] && ike_conf_ha_channel gwB 10.0.0.3 10.0.0.2

ctx=$IKE_DIR/ctx.ike
if [ -z "$secret" ]; then
	# Without --insecure the recorder refuses the cleartext channel: A's
	# RESYNC (one second after it starts) is dropped with the reason.
	ip netns exec "$gwB" "$XFRMCTX_IKE" record --listen 10.0.0.3 --charon 10.0.0.2 \
		--file "$IKE_DIR/probe.ike" 2>"$IKE_DIR/probe.log" &
	probe=$!
	slowwait 5 test -s "$IKE_DIR/probe.ike" || die "the probe recorder did not start"
	ike_start gwA "$gwA"
	refused() { grep -q 'dropped datagram from 10.0.0.2:4510: the channel .* is not IPsec-protected' "$IKE_DIR/probe.log"; }
	slowwait 10 refused
	check "the recorder refuses a cleartext channel unless --insecure" refused
	kill $probe; wait $probe
	grep dropped "$IKE_DIR/probe.log" | head -n 2 | sed 's/^/#   /'
	ike_stop gwA TERM
fi
ip netns exec "$gwB" "$XFRMCTX_IKE" record --listen 10.0.0.3 --charon 10.0.0.2 \
	--file "$ctx" --interval 1 $([ -n "$secret" ] || echo --insecure) 2>"$IKE_DIR/record.log" &
rec=$!
on_exit "kill $rec 2>/dev/null; wait $rec 2>/dev/null"
slowwait 5 test -s "$ctx" || die "the recorder did not start"
check_eq "record file mode" "600" "$(stat -c %a "$ctx")"

ike_start gwB "$gwB"
ike_start gwA "$gwA"
ike_start peer "$peer"
ike_segment gwA +1
slowwait 5 grep -q 'HA segment 1 activated' "$IKE_DIR/gwA/charon.log" || fail "A did not activate its segment"
if [ -n "$secret" ]; then
	# A's RESYNC request triggers its HA channel; wait for it
	a_channel() { ip -n "$gwA" xfrm state | grep -q 'proto esp'; }
	slowwait 20 a_channel ||
		{ ike_log_tail gwA; die "A's HA channel did not come up"; }
	log "A's HA channel is up:"
	ip -n "$gwB" xfrm policy | grep -B1 -A2 4510 | sed 's/^/#   /'
fi

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
check "ESP through the tunnel to A" ip netns exec "$peer" ping -q -c 3 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
check "the peer rekeys the IKE_SA (its CHILD_SA stays keyed by the old one)" \
	ike_swan peer --rekey --ike rw
state_is() { [ "$(ike_sa_state "$1")" = "$2" ]; }
slowwait 10 state_is gwA ESTABLISHED || true
check "ESP after the IKE_SA rekey" ip netns exec "$peer" ping -q -c 2 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1

spis_peer=$(ike_sa_spis peer)
spis_a=$(ike_sa_spis gwA)
check_eq "A and the peer hold the same IKE_SA" "$spis_peer" "$spis_a"
read -r spi_i spi_r <<<"$spis_peer"

# the recorder holds it, with its CHILD_SA and the predecessor that keys it
json() { "$XFRMCTX_IKE" show --json "$ctx"; }
has_record() {
	json | jq -e --arg i "$spi_i" --arg r "$spi_r" \
		'.ike_sas[] | select(.spi_i == $i and .spi_r == $r and .state == "live" and (.children | length) == 1)' \
		>/dev/null
}
slowwait 10 has_record || { sed 's/^/# rec: /' "$IKE_DIR/record.log"; die "the record does not hold the IKE_SA"; }
rec_json=$(json)
child_in=$(jq -r '.ike_sas[] | select(.state == "live") | .children[0].spi_in' <<<"$rec_json")
a_in=$(ip -n "$gwA" xfrm state list dst "$IKE_VIP" proto esp | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | head -n1)
check_eq "the recorded CHILD_SA is A's inbound SA" "$((a_in))" "$child_in"
check_eq "a keying predecessor is kept" "1" \
	"$(jq '[.ike_sas[] | select(.state == "keying-only")] | length' <<<"$rec_json")"
no_hex() { ! jq -e '.. | objects | select(has("hex"))' <<<"$rec_json" >/dev/null; }
check "keys are not shown without --reveal-keys" no_hex
mid_in=$(jq -r '.ike_sas[] | select(.state == "live") | .mid_in' <<<"$rec_json")
log "record: IKE_SA $spi_i/$spi_r mid_in $mid_in, CHILD_SA in $child_in"
"$XFRMCTX_IKE" show "$ctx" | sed 's/^/#   /'

# steady traffic through the hand-over: 20 pings a second
ip netns exec "$peer" ping -D -O -i 0.05 -W 1 -I 192.168.1.1 192.168.2.1 \
	>"$IKE_DIR/ping.log" 2>&1 &
pinger=$!
on_exit "kill $pinger 2>/dev/null; wait $pinger 2>/dev/null"
sleep 1
peer_out=$(ip -n "$peer" xfrm state list dst "$IKE_VIP" proto esp | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | head -n1)
peer_in=$(ip -n "$peer" xfrm state list dst 10.0.0.1 proto esp | sed -n 's/.*spi \(0x[0-9a-f]*\).*/\1/p' | head -n1)

# ---- hand-over
# Planned: A's IKE_SAs turn passive (its kernel SAs still carry ESP), the
# record is written, B takes it (passive, with the SAs in B's kernel), A's
# SAs are frozen and exported, their counters go onto B's SAs with a jump,
# the VIP moves, B is activated, A's charon stops.
# Crash: A's last kernel snapshots (taken below while it runs) give the
# counters and the packet rate; the outbound jump covers the time since.
# Inbound, B takes A's window as it was (in-jump 0): the peer's counter
# only grew since, so nothing of it is dropped; packets A accepted after
# the snapshot could be replayed to B once (a crash without a final
# snapshot cannot know them).
counters() { python3 "$XC_TOP/selftests/ike_counters.py" "$@"; }
a_reqid=$(ip -n "$gwA" xfrm state list dst "$IKE_VIP" proto esp | sed -n 's/.*reqid \([0-9]*\).*/\1/p' | head -n1)
oseq_of() {	# the outbound SA's 64-bit counter in an export file
	jq --arg spi "$((peer_in))" '.sa[] | select((.spi | tostring) == $spi) | .replay | ((."oseq-hi" // 0) * 4294967296 + (.oseq // 0))' "$1"
}
vip_to_b="ip -n $gwB addr add $IKE_VIP/32 dev eth0 && ip netns exec $gwB busybox arping -q -U -c 1 -I eth0 -s $IKE_VIP $IKE_VIP; true"
if [ -n "$crash" ]; then
	# what a periodic exporter on A would ship to B: two snapshots, 1 s apart
	counters snapshot "$gwA" "$a_reqid" >"$IKE_DIR/snap1.json"; ts1=$(now_ms)
	sleep 1
	counters snapshot "$gwA" "$a_reqid" >"$IKE_DIR/snap2.json"; ts2=$(now_ms)
	rate=$(( ( $(oseq_of "$IKE_DIR/snap2.json") - $(oseq_of "$IKE_DIR/snap1.json") ) * 1000 / (ts2 - ts1 + 1) ))
	log "A's last snapshots: outbound counter $(oseq_of "$IKE_DIR/snap1.json") then" \
	    "$(oseq_of "$IKE_DIR/snap2.json"), about $rate packets/s"
	sleep 0.5
fi
t0=$(now_ms)
if [ -n "$crash" ]; then
	# A dies: charon killed, the VIP unreachable on A; B works from the
	# last periodic record (--interval 1)
	log "crash at $t0: record serial $(json | jq .serial), written $(( t0 / 1000 - $(json | jq .written) )) s ago"
	ike_stop gwA KILL
	run - ip -n "$gwA" addr del "$IKE_VIP/32" dev eth0
	ip -n "$gwA" xfrm state flush
else
	log "hand-over starts at $t0"
	ike_segment gwA -1
	serial=$(json | jq .serial)
	newer() { [ "$(json | jq .serial)" -gt "$serial" ]; }
	kill -USR1 $rec
	slowwait 5 newer || fail "the recorder did not write on demand"
fi
t_rec=$(now_ms)
out=$(ip netns exec "$gwB" "$XFRMCTX_IKE" replay --file "$ctx" --listen 127.0.0.2 --charon 127.0.0.1 \
	2>"$IKE_DIR/replay.log")
rc=$?
t_replayed=$(now_ms)
check_eq "replay exit status" 0 "$rc"
log "$out"
if [ -n "$crash" ]; then
	# jump: twice what A may have sent since its last snapshot, at least 64
	jump=$(( rate * (t_replayed - ts2) * 2 / 1000 + 64 ))
	res=$(counters handover - 0 "$gwB" "$jump" 0 "$IKE_DIR/snap2.json" -- sh -c "$vip_to_b")
else
	jump=64
	res=$(counters handover "$gwA" "$a_reqid" "$gwB" "$jump" 0 -- \
		sh -c "ip -n $gwA addr del $IKE_VIP/32 dev eth0 && $vip_to_b")
fi
t_move=$(now_ms)
log "counters and VIP: $res"
check_eq "the module takes A's counters onto the SAs charon installed on B (same keys)" 2 \
	"$(jq -r .count <<<"$res" 2>/dev/null)"
a_o=$(jq -r ".a_oseq[\"$((peer_in))\"]" <<<"$res")
b_o=$(jq -r ".b_oseq[\"$((peer_in))\"]" <<<"$res")
# read after the VIP move: B may have sent a few packets already
check "B's outbound counter $b_o starts at A's $a_o plus the jump $jump" \
	test "$b_o" -ge $((a_o + jump)) -a "$b_o" -lt $((a_o + jump + 50))
out=$(ip netns exec "$gwB" "$XFRMCTX_IKE" activate --listen 127.0.0.2 --charon 127.0.0.1 \
	--fifo "$(ike_fifo gwB)" 2>>"$IKE_DIR/replay.log")
rc=$?
t_active=$(now_ms)
check_eq "activate exit status" 0 "$rc"
log "$out"
b_in_pkts() {
	ip -n "$gwB" -s xfrm state list dst "$IKE_VIP" proto esp spi "$peer_out" 2>/dev/null |
		sed -n 's/.* \([0-9]*\)(packets).*/\1/p' | head -n1
}
pkts_active=$(b_in_pkts)
[ -z "$crash" ] && ike_stop gwA TERM	# passive: no DELETE
t_stop=$(now_ms)
sed 's/^/# replay: /' "$IKE_DIR/replay.log"
log "hand-over$([ -n "$crash" ] && echo ' after the crash'): record ready $((t_rec - t0)) ms," \
    "replayed into B $((t_replayed - t0)) ms, counters on B and the VIP moved $((t_move - t0)) ms," \
    "B active $((t_active - t0)) ms" \
    "$([ -z "$crash" ] && echo ", A stopped $((t_stop - t0)) ms")"
log "IKE switch (VIP moved -> B active): $((t_active - t_move)) ms;" \
    "ESP packets of the peer B had decrypted by then: ${pkts_active:-?}"

check_eq "B holds the peer's IKE_SA" "$spis_peer" "$(ike_sa_spis gwB)"
check_eq "B's IKE_SA is established" "ESTABLISHED" "$(ike_sa_state gwB)"
check_eq "the peer's IKE_SA is untouched" "$spis_peer" "$(ike_sa_spis peer)"
no_delete() { ! grep -q 'received DELETE' "$IKE_DIR/peer/charon.log"; }
check "A sent no DELETE to the peer" no_delete

# ESP both ways through B, no replay or integrity failure at the peer
sleep 1
check "B decrypts the peer's ESP after the hand-over ($(b_in_pkts) packets)" test "$(b_in_pkts)" -gt 0
peer_fail() {
	ip -n "$peer" -s xfrm state list dst 10.0.0.1 proto esp spi "$peer_in" |
		sed -n 's/.*replay \([0-9]*\) failed \([0-9]*\).*/replay \1 failed \2/p'
}
check_eq "the peer drops none of B's ESP (its inbound SA $peer_in)" "replay 0 failed 0" "$(peer_fail)"
b_answered() { awk -v t="$t_move" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { f = 1; exit } } END { exit !f }' "$IKE_DIR/ping.log"; }
check "B answers the peer's pings before any rekey" b_answered

# ---- rekeys between the peer and B, each side initiating
ike_swan peer --rekey --child net >"$IKE_DIR/rekey1.log" 2>&1
check "the peer's CHILD_SA rekey with B succeeds" grep -q 'rekey completed successfully' "$IKE_DIR/rekey1.log"
t_rekey=$(now_ms)
check "ESP both ways with B after the CHILD_SA rekey" \
	ip netns exec "$peer" ping -q -c 3 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
ike_swan gwB --rekey --child net >"$IKE_DIR/rekey2.log" 2>&1
check "B's CHILD_SA rekey with the peer succeeds" grep -q 'rekey completed successfully' "$IKE_DIR/rekey2.log"
check "ESP after B's CHILD_SA rekey" ip netns exec "$peer" ping -q -c 3 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
ike_swan peer --rekey --ike rw >"$IKE_DIR/rekey3.log" 2>&1
check "the peer's IKE_SA rekey with B succeeds" grep -q 'rekey completed successfully' "$IKE_DIR/rekey3.log"
spis_new=$(ike_sa_spis peer)
check "the IKE_SA has new SPIs" test "$spis_new" != "$spis_peer"
check_eq "B has the new IKE_SA too" "$spis_new" "$(ike_sa_spis gwB)"
ike_swan gwB --rekey --ike rw >"$IKE_DIR/rekey4.log" 2>&1
check "B's IKE_SA rekey with the peer succeeds" grep -q 'rekey completed successfully' "$IKE_DIR/rekey4.log"
check_eq "peer and B agree on the IKE_SA after B's rekey" "$(ike_sa_spis peer)" "$(ike_sa_spis gwB)"
check "ESP after both IKE_SA rekeys" ip netns exec "$peer" ping -q -c 3 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1

kill $pinger 2>/dev/null; wait $pinger 2>/dev/null
# ping -D lines: "[epoch.us] 64 bytes from ...: icmp_seq=N ..."
# the longest stretch without an answered ping around the hand-over
# (a stretch that begins between the start of the hand-over and a second
# after B's activation)
gap=$(awk -v t0="$t0" -v t1="$t_active" -F'[][]' '/bytes from/ {
	ms = $2 * 1000; seq = $0; sub(/.*icmp_seq=/, "", seq); sub(/ .*/, "", seq)
	if (have && pms >= t0 - 100 && pms <= t1 + 1000 && ms - pms > best) {
		best = ms - pms; from = pms; lost = seq - pseq - 1
	}
	have = 1; pms = ms; pseq = seq
} END { printf "%.0f %.0f %d\n", best, from - t0, lost }' "$IKE_DIR/ping.log")
read -r gap_ms gap_from lost <<<"$gap"
log "with context: longest stretch without an answered ping: $gap_ms ms (from $gap_from ms after the" \
    "hand-over started), $lost pings unanswered"
seq_of() { sed -n 's/.*icmp_seq=\([0-9]*\).*/\1/p'; }
ms_of() { awk -F'[][]' '{ printf "%.0f\n", $2 * 1000 }'; }

# ---- no IKE_SA_INIT on the wire after the hand-over started
kill $tcpd 2>/dev/null; wait $tcpd 2>/dev/null
tcpdump -tt -n -r "$pcap" 2>/dev/null >"$IKE_DIR/pcap.txt"
inits_total=$(grep -c 'ikev2_init' "$IKE_DIR/pcap.txt")
inits_after=$(awk -v t0="$t0" '/ikev2_init/ { if (int($1 * 1000) >= t0) n++ } END { print n + 0 }' "$IKE_DIR/pcap.txt")
ike_after=$(awk -v t0="$t0" '{ if (int($1 * 1000) >= t0) n++ } END { print n + 0 }' "$IKE_DIR/pcap.txt")
awk -v t0="$t0" '{ if (int($1 * 1000) >= t0) print }' "$IKE_DIR/pcap.txt" | head -n 20 | sed 's/^/#   /'
check "the capture shows the first IKE_SA_INIT ($inits_total packets)" test "$inits_total" -ge 2
check_eq "IKE_SA_INIT packets after the hand-over started ($ike_after IKE packets in all)" 0 "$inits_after"

# ---- baseline: a gateway without context; the peer must start over
[ "$baseline" = 1 ] || exit 0
ike_start gwA "$gwA"
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
answered_after() { awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { f = 1; exit } } END { exit !f }' "$IKE_DIR/ping2.log"; }
slowwait 10 answered_after
kill $pinger 2>/dev/null; wait $pinger 2>/dev/null
last_a=$(awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 <= t) s = $0 } END { print s }' "$IKE_DIR/ping2.log")
first_b=$(awk -v t="$t0" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) { print; exit } }' "$IKE_DIR/ping2.log")
if [ -n "$last_a" ] && [ -n "$first_b" ]; then
	log "baseline without context: first ping answered $(( $(ms_of <<<"$first_b") - t0 )) ms after the take-over started," \
	    "$(( $(seq_of <<<"$first_b") - $(seq_of <<<"$last_a") - 1 )) pings unanswered" \
	    "(the peer re-initiates at once: the best case, no DPD wait)"
else
	fail "baseline: no ping answered after the take-over"
fi
