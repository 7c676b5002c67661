#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole tunnel under xfrmctxd (issue 14): both halves kept hot on the
# standby by the node daemons, then a planned switchover and a crash.
#
#     [ peer ] charon, DPD every 2 s, pinging 20/s through the tunnel
#        |
#   [ lan br0 ] ------------------------------------------------
#        |                                   |
#     [ gwA ] charon + xfrmctxd  <=TLS=>  [ gwB ] charon + xfrmctxd
#     each charon's ha plugin streams to its own daemon on loopback
#     (local 127.0.0.1, remote 127.0.0.2, monitor no); the daemons follow
#     the tunnel address 10.0.0.100, which the test moves as keepalived would.
#
# 1. A holds the address: A's daemon is active. The peer brings the tunnel
#    up to A; A's daemon forwards the stream live; B's charon holds the
#    IKE_SA passive and installs the SAs; B's daemon freezes them and keeps
#    their counters; `xfrmctx ha status` on B says in sync.
# 2. Planned: `xfrmctx ha switchover` on A, the address moves to B.
# 3. The peer and B rekey the CHILD_SA and the IKE_SA; A (now the standby)
#    follows B's stream.
# 4. Crash on an idle tunnel: B's charon and daemon are killed (kill -9)
#    right after B answered the peer's DPD probe, the address moves to A;
#    A takes over from the last snapshot (no inbound jump: the tunnel is
#    idle) and answers the peer's next probe; then the pings resume and
#    neither side drops a packet.
# 5. B comes back under the Pacemaker agent and takes the tunnel back.
# Authentication with certificates (selftests/ike_pki): the standby's charon
# must hold the same credentials for the rekeys after a take-over; the
# other daemon tests use pre-shared keys.
# After each: the peer's IKE_SA unchanged (no IKE_SA_INIT on the wire),
# 0 replay and 0 integrity failures on the peer's SAs, no (SPI, sequence
# number) sent twice, the pings go on, DPD keeps the tunnel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/hd_lib.sh"
. "$(dirname "$0")/peer_lib.sh"

hd_require
load_module
on_exit unload_module
ike_require
ike_topo
# the peer probes liveness every 2 s; the gateways do not (else the peer,
# hearing from them, would never need to probe)
IKE_DPD=2s ike_conf peer peer cert none
hd_pair cert
hd_start_both
check_eq "A's daemon is active (the address is on A)" active "$(hjson gwA | jq -r .role)"
check_eq "B's daemon is the standby" standby "$(hjson gwB | jq -r .role)"
step "charons and daemons up"

hd_capture_start

hd_tunnel_up
check_eq "B's charon holds the IKE_SA passive, same SPIs" "PASSIVE $spis_peer" "$(ike_sa_main gwB)"
frozen_b() { ip netns exec "$gwB" "$XFRMCTX" state list-frozen | grep -c spi; }
check_eq "B's two SAs of the tunnel are frozen" 2 "$(frozen_b)"
ha gwB ha status | sed 's/^/#   /'
step "standby in sync"

sleep 2

# ---- 2. planned switchover
t0=$(now_ms)
out=$(ha gwA ha switchover 2>&1)
check "xfrmctx ha switchover on A ($out)" test $? = 0
ike_move_vip "$gwB" "$gwA"
slowwait 10 sh -c "$XFRMCTX -j ha status control $IKE_DIR/gwB.sock | jq -e '.role == \"active\"' >/dev/null"
check_eq "B took over, planned, no jump" "active planned 0" \
	"$(hjson gwB | jq -r '[.role, .last_takeover.kind, .last_takeover.out_jump] | join(" ")')"
slowwait 5 answered_after "$(now_ms)"
check "B answers the peer's pings" answered_after "$t0"
check_eq "B's charon holds the IKE_SA, established" "ESTABLISHED $spis_peer" "$(ike_sa_main gwB)"
check_eq "A's charon holds it passive" "PASSIVE $spis_peer" "$(ike_sa_main gwA)"
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
log "switchover: longest stretch without an answered ping $(gap_after "$t0") ms"
check_eq "no DELETE reached the peer in the switchover" 0 "$(peer_deletes)"
hjson gwB | jq -c .last_takeover | sed 's/^/#   /'
step "switched over to B"

# ---- 3. rekeys with B; A follows as the standby
check "the peer's CHILD_SA rekey with B succeeds" rekey peer --child net
check "the peer's IKE_SA rekey with B succeeds" rekey peer --ike rw
spis_peer=$(ike_sa_spis peer)
check_eq "B holds the rekeyed IKE_SA" "ESTABLISHED $spis_peer" "$(ike_sa_main gwB)"
slowwait 20 sh -c "$XFRMCTX -j ha status control $IKE_DIR/gwA.sock | jq -e '.in_sync and .role == \"standby\"' >/dev/null"
check "A, now the standby, is in sync again" in_sync gwA
check_eq "A's charon holds the rekeyed IKE_SA passive" "PASSIVE $spis_peer" "$(ike_sa_main gwA)"
sleep 3
step "rekeyed"

# ---- 4. crash of B on an idle tunnel, right after B answered a DPD probe
hd_ping_stop
# the peer's requests answered so far (DPD probes are its empty
# INFORMATIONAL requests), counted: message IDs start again at each IKE_SA
# rekey, so the highest one says nothing; and the last one's ID
answered_mid() { grep -c 'parsed INFORMATIONAL response' "$IKE_DIR/peer/charon.log"; }
last_mid() {
	grep 'parsed INFORMATIONAL response' "$IKE_DIR/peer/charon.log" | tail -n1 |
		sed 's/.*response \([0-9]*\).*/\1/'
}
mid_above() { [ "$(answered_mid)" -gt "$1" ]; }
sleep 3	# idle: the snapshots' current rates go to 0
m0=$(answered_mid)
slowwait 15 mid_above "$m0" || fail "the peer sent no DPD probe that B answered"
t1=$(now_ms)
kill -9 "${HD_PID[gwB]}" "${IKE_PID[gwB]}"
m1=$(answered_mid)
wait "${HD_PID[gwB]}" "${IKE_PID[gwB]}" 2>/dev/null
unset "HD_PID[gwB]" "IKE_PID[gwB]"
log "B killed right after it answered the peer's request $(last_mid) (a DPD probe)"
run - ip -n "$gwB" addr del "$IKE_VIP/32" dev eth0
ike_move_vip "$gwA" ""
slowwait 10 sh -c "$XFRMCTX -j ha status control $IKE_DIR/gwA.sock | jq -e '.role == \"active\"' >/dev/null"
check_eq "A took over after the crash" "active crash true" \
	"$(hjson gwA | jq -r '[.role, .last_takeover.kind, .last_takeover.ok] | join(" ")')"
hjson gwA | jq -c .last_takeover | sed 's/^/#   /'
check_eq "an idle tunnel: no inbound jump" 0 "$(hjson gwA | jq -r .last_takeover.in_jump)"
slowwait 25 mid_above "$m1"
check "A answers the peer's next request, $(last_mid) (the message ID B had answered is known)" \
	mid_above "$m1"
# a probe sent while no node held the address is retransmitted and then
# answered by A: the same request, not a new IKE_SA
log "requests the peer retransmitted after the crash:" \
    "$(awk -v t="$t1" '$1 * 1000 >= t && /retransmit/' "$IKE_DIR/peer/charon.log" | wc -l)"
no_giving_up() { ! grep -q 'giving up after' "$IKE_DIR/peer/charon.log"; }
check "the peer never gave up on a request" no_giving_up
hd_ping_start
slowwait 10 answered_after "$(now_ms)"
check "A answers the peer's pings after the crash" answered_after "$t1"
check_eq "A's charon holds the IKE_SA, established" "ESTABLISHED $spis_peer" "$(ike_sa_main gwA)"
check_eq "the peer drops none of A's ESP" "replay 0 failed 0" "$(peer_fail)"
check_eq "A drops none of the peer's packets after the idle crash" "replay 0 failed 0" \
	"$(esp_drops "$gwA" "$IKE_VIP")"
dels_before=$(peer_deletes)
sleep 5
check_eq "the peer's IKE_SA survives its DPD probes" "ESTABLISHED $spis_peer" "$(ike_sa_main peer)"
check_eq "no DELETE reached the peer in the crash take-over and DPD" "$dels_before" "$(peer_deletes)"
check "A's CHILD_SA rekey with the peer succeeds after the crash" rekey gwA --child net
step "crash taken over"

# ---- 5. B returns under the Pacemaker agent (ocf:xfrm-ctx:xfrmctxd), the
# address moves back as IPaddr2 would (before the promotion), the agent
# promotes B and demotes A
OCF=$XC_TOP/contrib/pacemaker/xfrmctxd
ocf() {	# ocf NAME ACTION: the agent's exit status, as Pacemaker sees it
	local n=$1
	echo "# [${IKE_NS[$n]}] ocf:xfrm-ctx:xfrmctxd $2" >&2
	OCF_RESKEY_control=$IKE_DIR/$n.sock OCF_RESKEY_config=$IKE_DIR/$n.conf \
		OCF_RESKEY_xfrmctx=$XFRMCTX OCF_RESKEY_xfrmctxd=$XFRMCTXD \
		OCF_RESKEY_pidfile=$IKE_DIR/$n.ocf.pid ip netns exec "${IKE_NS[$n]}" "$OCF" "$2"
	echo $?
}
check_eq "OCF monitor on A (active): promoted" 8 "$(ocf gwA monitor)"
ike_start gwB "$gwB"
hd_conf gwB gwA 2 3	# the new charon's FIFO
check_eq "OCF monitor on B before start: not running" 7 "$(ocf gwB monitor)"
check_eq "OCF start on B" 0 "$(ocf gwB start)"
on_exit "kill \$(cat $IKE_DIR/gwB.ocf.pid 2>/dev/null) 2>/dev/null"
check_eq "OCF monitor on B: unpromoted" 0 "$(ocf gwB monitor)"
slowwait 20 in_sync gwB
check "B caught up as the standby" in_sync gwB
t2=$(now_ms)
ike_move_vip "$gwB" "$gwA"
check_eq "OCF promote on B" 0 "$(ocf gwB promote)"
check_eq "OCF demote on A" 0 "$(ocf gwA demote)"
check_eq "OCF monitor: B promoted, A unpromoted" "8 0" "$(ocf gwB monitor) $(ocf gwA monitor)"
check_eq "B took the tunnel back, planned" "active planned true" \
	"$(hjson gwB | jq -r '[.role, .last_takeover.kind, .last_takeover.ok] | join(" ")')"
slowwait 10 answered_after "$(now_ms)"
check "B answers the peer's pings" answered_after "$t2"
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
check_eq "OCF stop on B" 0 "$(ocf gwB stop)"
check_eq "OCF monitor on B after stop: not running" 7 "$(ocf gwB monitor)"
step "Pacemaker agent"

hd_ping_stop
hd_capture_stop
inits=$(pcap_inits "$IKE_DIR/pcap.txt")
check_eq "one IKE_SA_INIT exchange in the whole run (the first)" 2 "$inits"
# ESP from the tunnel address: no (SPI, sequence number) twice
dups=$(pcap_dups "$IKE_DIR/pcap.txt")
esp=$(grep -c 'ESP(spi=' "$IKE_DIR/pcap.txt")
check_eq "no (SPI, sequence number) sent twice by the gateways ($esp ESP packets)" 0 "$dups"
step "checked"
