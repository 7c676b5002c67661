#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole tunnel under xfrmctxd when things go wrong at the worst moment
# (issue 14): a standby that was never in sync, and a switchover whose new
# node dies half-way. Topology of ha_node.sh:
#
#     [ peer ] charon, DPD every 2 s (restart on failure), pinging 20/s
#        |
#   [ lan br0 ] ------------------------------------------------
#        |                                   |
#     [ gwA ] charon + xfrmctxd  <=TLS=>  [ gwB ] charon + xfrmctxd
#
# 1. Not in sync: the tunnel comes up to A while B's daemon is not running.
#    A dies (charon and daemon killed, its link down), the address goes to
#    B, B's daemon starts there and takes over with nothing to take: its
#    charon knows no IKE_SA, the peer's DPD fails and it renegotiates with
#    B (the last resort). The tunnel recovers; nothing frozen or staged is
#    left on B.
# 2. Crash in the switchover: A comes back as the standby and catches up;
#    `xfrmctx ha switchover` on B while A's daemon hangs (SIGSTOP), then A
#    dies. B handed over (charon passive, SAs frozen) to no one; `xfrmctx ha
#    takeover` on B takes its own hand-over back with a jump: the peer keeps
#    its IKE_SA (no new IKE_SA_INIT), 0 replay and integrity failures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/hd_lib.sh"
. "$(dirname "$0")/peer_lib.sh"

hd_require
load_module
on_exit unload_module
ike_require
ike_topo
IKE_DPD=2s IKE_DPD_ACTION=restart IKE_RETRANSMIT_TRIES=2 ike_conf peer peer psk none
hd_pair psk
hd_start gwA "$gwA"
hd_capture_start
check "the peer brings the tunnel up to A" ike_swan peer --initiate --child net --timeout 30
hd_ping_start
sleep 2
check "the peer's pings are answered through A" answered_after "$T_START"
step "tunnel up to A, no standby"

# ---- 1. A dies; B was never in sync
t1=$(now_ms)
kill -9 "${HD_PID[gwA]}" "${IKE_PID[gwA]}"
wait "${HD_PID[gwA]}" "${IKE_PID[gwA]}" 2>/dev/null
unset "HD_PID[gwA]" "IKE_PID[gwA]"
run "$gwA" ip link set eth0 down
ike_move_vip "$gwB" ""
hd_start gwB "$gwB"
slowwait 10 hd_is gwB '.role == "active"'
check_eq "B, started where the address is, is the active node" active "$(hjson gwB | jq -r .role)"
check_eq "nothing frozen or staged on B" 0 \
	"$(ip netns exec "$gwB" "$XFRMCTX" state list-frozen | grep -c spi)"
slowwait 60 answered_after "$(now_ms)"
check "the tunnel recovers through B" answered_after "$t1"
hd_capture_stop
log "IKE packets on the peer's wire since A died:"
awk -v t="$t1" '$1 * 1000 >= t && /isakmp/' "$IKE_DIR/pcap.txt" | head -n 6 | sed 's/^/#   /'
check "the peer renegotiated with B (a new IKE_SA_INIT: the last resort)" \
	test "$(pcap_inits_after "$IKE_DIR/pcap.txt" "$t1")" -ge 1
check_eq "B's charon holds the new IKE_SA" ESTABLISHED "$(ike_sa_state gwB)"
check_eq "B holds the new CHILD_SA's two SAs, nothing else" 2 \
	"$(ip -n "$gwB" xfrm state list | grep -c '^src')"
log "recovery after a crash with a standby out of sync: $(gap_after "$t1") ms without an answered ping"
step "recovered by renegotiation"

# ---- 2. A back as the standby; a switchover from B dies half-way
# as after a reboot: no SA, and not the tunnel address (keepalived would
# not have put it back on a node that comes up as the backup)
run "$gwA" ip xfrm state flush
run "$gwA" ip addr del "$IKE_VIP/32" dev eth0
run "$gwA" ip link set eth0 up
ike_start gwA "$gwA"
hd_conf gwA gwB 3 2	# the new charon's FIFO
hd_start gwA "$gwA"
slowwait 30 in_sync gwA
check "A, back, caught up as the standby" in_sync gwA
hd_capture_start
spis=$(ike_sa_spis peer)
sleep 2
t2=$(now_ms)
kill -STOP "${HD_PID[gwA]}"
out=$(ha gwB ha switchover 2>&1)
log "switchover towards a hung A: $out"
kill -9 "${HD_PID[gwA]}" "${IKE_PID[gwA]}"
kill -CONT "${HD_PID[gwA]}" 2>/dev/null
wait "${HD_PID[gwA]}" "${IKE_PID[gwA]}" 2>/dev/null
unset "HD_PID[gwA]" "IKE_PID[gwA]"
run "$gwA" ip link set eth0 down
check_eq "B handed over to no one: standby, charon passive" "standby PASSIVE" \
	"$(hjson gwB | jq -r .role) $(ike_sa_state gwB)"
out=$(ha gwB ha takeover 2>&1)
check "B takes its own hand-over back ($out)" test $? = 0
check_eq "with a jump (A may have used the SAs)" "active crash true" \
	"$(hjson gwB | jq -r '[.role, .last_takeover.kind, (.last_takeover.out_jump > 0)] | join(" ")')"
slowwait 10 answered_after "$(now_ms)"
check "B answers the peer's pings again" answered_after "$t2"
check_eq "the peer kept its IKE_SA" "ESTABLISHED $spis" "$(ike_sa_main peer)"
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
hd_ping_stop
hd_capture_stop
check_eq "no IKE_SA_INIT after the failed switchover" 0 "$(pcap_inits_after "$IKE_DIR/pcap.txt" "$t2")"
check_eq "no (SPI, sequence number) sent twice by B" 0 "$(pcap_dups "$IKE_DIR/pcap.txt")"
step "half-way switchover recovered"
