#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel-only tunnels under xfrmctxd (ike = no: static SAs, or an IKE
# daemon without an HA stream) with the daemons moving the address
# themselves (move-address = yes): one daemon, one take-over path, for the
# users of the kernel half alone (issue 14).
#
#     [ peer ] static SAs to 10.0.0.100, pinging 20/s through the tunnel
#        |
#   [ lan br0 ] ------------------------------------------------
#        |                                   |
#     [ gwA ] static SAs + xfrmctxd  <=TLS=>  [ gwB ] xfrmctxd only
#
# 1. A holds the address and the SAs; B's daemon installs them staged
#    (frozen) with A's policies and keeps their counters: in sync.
# 2. `xfrmctx ha switchover` on A: B adds the address, A freezes and hands
#    over, B thaws in one update and announces the address (gratuitous
#    ARP), A takes its copy off. Planned: no jump.
# 3. Crash of B (daemon killed, its link down): `xfrmctx ha takeover` on A
#    takes over from the last snapshot with a jump per SA and moves the
#    address back.
# 4. Crash in the middle of a switchover: B comes back, syncs; A is asked
#    to switch over while B's daemon hangs (SIGSTOP) and then dies: A's SAs
#    are frozen, the address is off, no one carries the tunnel. A takes it
#    back from its own hand-over with a jump (the peer may have been
#    answered by B): the tunnel recovers.
# After each: 0 replay and 0 integrity failures on the peer's SAs, the
# pings go on, no (SPI, sequence number) sent twice by the gateways.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/hd_lib.sh"

[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run)"
[ -x "$XFRMCTXD" ] || die "$XFRMCTXD is not built (make helper)"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"


load_module
on_exit unload_module
IKE_DIR=$(mktemp -d /tmp/hdk.XXXXXX)
on_exit "rm -rf $IKE_DIR"
ike_topo
IKE_NS[gwA]=$gwA
IKE_NS[gwB]=$gwB

# The static tunnel: AES-GCM with ESN and a 128-packet window, peer
# 10.0.0.1 (192.168.1.0/24) to the tunnel address (192.168.2.0/24).
KEY_IN=0x$(openssl rand -hex 20)
KEY_OUT=0x$(openssl rand -hex 20)
sa() {	# sa NS SRC DST SPI KEY
	run "$1" ip xfrm state add src "$2" dst "$3" proto esp spi "$4" reqid 7 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$5" 128 flag esn replay-window 128
}
pol() {	# pol NS DIR SRC DST TSRC TDST
	run "$1" ip xfrm policy add src "$3" dst "$4" dir "$2" \
		tmpl src "$5" dst "$6" proto esp reqid 7 mode tunnel
}
sa "$peer" 10.0.0.1 "$IKE_VIP" 0x1001 "$KEY_IN"
sa "$peer" "$IKE_VIP" 10.0.0.1 0x2001 "$KEY_OUT"
pol "$peer" out 192.168.1.0/24 192.168.2.0/24 10.0.0.1 "$IKE_VIP"
pol "$peer" in 192.168.2.0/24 192.168.1.0/24 "$IKE_VIP" 10.0.0.1
pol "$peer" fwd 192.168.2.0/24 192.168.1.0/24 "$IKE_VIP" 10.0.0.1
sa "$gwA" 10.0.0.1 "$IKE_VIP" 0x1001 "$KEY_IN"
sa "$gwA" "$IKE_VIP" 10.0.0.1 0x2001 "$KEY_OUT"
pol "$gwA" out 192.168.2.0/24 192.168.1.0/24 "$IKE_VIP" 10.0.0.1
pol "$gwA" in 192.168.1.0/24 192.168.2.0/24 10.0.0.1 "$IKE_VIP"
pol "$gwA" fwd 192.168.1.0/24 192.168.2.0/24 10.0.0.1 "$IKE_VIP"

hd_keyfile
HD_EXTRA=$'ike = no\nreqid = 7\nmove-address = yes\ninterface = eth0\nperiod-ms = 500\nrealtime = yes'
hd_conf gwA gwB 3 2
hd_conf gwB gwA 2 3
hd_start gwA "$gwA"
hd_start gwB "$gwB"
check_eq "A's daemon is active (the address is on A)" active "$(hjson gwA | jq -r .role)"
check_eq "B's daemon is the standby" standby "$(hjson gwB | jq -r .role)"
check "realtime = yes: A's daemon runs SCHED_RR" sh -c "chrt -p ${HD_PID[gwA]} | grep -q SCHED_RR"
hd_capture_start
hd_ping_start
synced() { hd_is "$1" '.in_sync and .channel'; }
slowwait 20 synced gwB
check "B's daemon says in sync" synced gwB
frozen() { ip netns exec "${IKE_NS[$1]}" "$XFRMCTX" state list-frozen | grep -c spi; }
check_eq "B holds A's two SAs, frozen" 2 "$(frozen gwB)"
check_eq "B holds A's three policies" 3 "$(ip -n "$gwB" xfrm policy list | grep -c 'reqid 7')"
# what the stream costs, as the status tells it: A sent frames and bytes, B
# received them (bytes per frame: the snapshots of two SAs)
chan() { hjson "$1" | jq -r ".stream | [.frames_$2, .bytes_$2, (.bytes_$2 / (.frames_$2 + 0.001) | floor)] | join(\" \")"; }
log "channel: A out $(chan gwA out) (frames bytes bytes/frame), B in $(chan gwB in)"
check "A's status counts the channel's frames and bytes out" hd_is gwA '.stream.frames_out > 0 and .stream.bytes_out > .stream.frames_out'
check "B's status counts the frames and bytes in" hd_is gwB '.stream.frames_in > 0 and .stream.bytes_in > .stream.frames_in'
chan_line() { ha gwB ha status 2>/dev/null | grep -q '^channel out [0-9]* frames [0-9]* bytes in [0-9]* frames [0-9]* bytes$'; }
check "ha status prints the channel line" chan_line
has_vip() { ip -n "$1" -o addr show dev eth0 | grep -q "$IKE_VIP/"; }
check "the address is on A only" sh -c "ip -n $gwA -o addr | grep -q $IKE_VIP/ && ! ip -n $gwB -o addr | grep -q $IKE_VIP/"
sleep 1
check "the peer's pings are answered through A" answered_after "$T_START"
step "standby in sync"

# ---- 2. planned switchover, the daemons moving the address
t0=$(now_ms)
out=$(ha gwA ha switchover 2>&1)
check "xfrmctx ha switchover on A ($out)" test $? = 0
slowwait 10 hd_is gwB '.role == "active"'
check_eq "B took over, planned, no jump" "active planned 0 0" \
	"$(hjson gwB | jq -r '[.role, .last_takeover.kind, .last_takeover.out_jump, .last_takeover.in_jump] | join(" ")')"
check "the address moved to B" has_vip "$gwB"
check "A took its copy off" sh -c "! ip -n $gwA -o addr | grep -q $IKE_VIP/"
slowwait 5 answered_after "$(now_ms)"
check "B answers the peer's pings" answered_after "$t0"
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
log "switchover: longest stretch without an answered ping $(gap_after "$t0") ms"
hjson gwB | jq -c .last_takeover | sed 's/^/#   /'
slowwait 20 synced gwA
check "A, now the standby, is in sync" synced gwA
check_eq "A's SAs stay frozen" 2 "$(frozen gwA)"
step "switched over to B"

# ---- 3. crash of B; A takes over with a jump
sleep 2
t1=$(now_ms)
kill -9 "${HD_PID[gwB]}"
wait "${HD_PID[gwB]}" 2>/dev/null
unset "HD_PID[gwB]"
run "$gwB" ip link set eth0 down	# a dead node sends nothing
out=$(ha gwA ha takeover 2>&1)
check "xfrmctx ha takeover on A after B died ($out)" test $? = 0
check_eq "A took over after the crash, with a jump" "active crash true true" \
	"$(hjson gwA | jq -r '[.role, .last_takeover.kind, .last_takeover.ok, (.last_takeover.out_jump > 0)] | join(" ")')"
hjson gwA | jq -c .last_takeover | sed 's/^/#   /'
# 20 packets/s x the snapshot's age is less than the 128-packet window the
# inbound jump stops short of (ike_rate.h): no inbound jump, nothing dropped
check_eq "the inbound jump stays a window short of the peer's 20 packets/s" 0 \
	"$(hjson gwA | jq -r .last_takeover.in_jump)"
check "A put the address back on itself" has_vip "$gwA"
slowwait 10 answered_after "$(now_ms)"
check "A answers the peer's pings after the crash" answered_after "$t1"
check_eq "the peer drops none of A's ESP" "replay 0 failed 0" "$(peer_fail)"
check_eq "A drops none of the peer's ESP after the crash" "replay 0 failed 0" \
	"$(esp_drops "$gwA" "$IKE_VIP")"
step "crash taken over"

# ---- 4. B comes back; a switchover dies half-way
run "$gwB" ip xfrm state flush
run "$gwB" ip xfrm policy flush
run "$gwB" ip xfrm policy add src 192.168.0.0/16 dst 192.168.0.0/16 dir out action block priority 4000000000
run "$gwB" ip addr del "$IKE_VIP/32" dev eth0
run "$gwB" ip link set eth0 up
hd_start gwB "$gwB"
slowwait 20 synced gwB
synced gwB || hjson gwB | sed 's/^/#   not in sync: /'
check "B, back, is in sync again" synced gwB
t2=$(now_ms)
kill -STOP "${HD_PID[gwB]}"
out=$(ha gwA ha switchover 2>&1)
log "switchover towards a hung B: $out"
kill -9 "${HD_PID[gwB]}"
kill -CONT "${HD_PID[gwB]}" 2>/dev/null
wait "${HD_PID[gwB]}" 2>/dev/null
unset "HD_PID[gwB]"
check_eq "A handed over: standby, its SAs frozen, the address off" "standby 2 no" \
	"$(hjson gwA | jq -r .role) $(frozen gwA) $(has_vip "$gwA" && echo yes || echo no)"
out=$(ha gwA ha takeover 2>&1)
check "A takes the tunnel back from its own hand-over ($out)" test $? = 0
check_eq "with a jump: B may have used the SAs" "active crash true" \
	"$(hjson gwA | jq -r '[.role, .last_takeover.kind, (.last_takeover.out_jump > 0)] | join(" ")')"
slowwait 10 answered_after "$(now_ms)"
check "A answers the peer's pings again" answered_after "$t2"
check_eq "the peer drops none of A's ESP" "replay 0 failed 0" "$(peer_fail)"
step "half-way switchover recovered"

hd_ping_stop
hd_capture_stop
dups=$(pcap_dups "$IKE_DIR/pcap.txt")
esp=$(grep -c 'ESP(spi=' "$IKE_DIR/pcap.txt")
check_eq "no (SPI, sequence number) sent twice by the gateways ($esp ESP packets)" 0 "$dups"
step "checked"
