#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The whole tunnel under keepalived (Debian's) and xfrmctxd (issue 14):
# keepalived moves the tunnel address, the daemons follow it.
#
#     [ peer ] charon, DPD every 2 s, pinging 20/s through the tunnel
#        |
#   [ lan br0 ] ------------------------------------------------
#        |                                   |
#     [ gwA ] keepalived prio 150         [ gwB ] keepalived prio 100
#             charon + xfrmctxd  <=TLS=>          charon + xfrmctxd
#     unicast VRRP, preempt_delay 4, advert_int 1; VIP 10.0.0.100;
#     vrrp_track_file (weight 1) written by each daemon: -100 after a
#     switchover, -254 (FAULT) if a take-over fails; notify_* call
#     `xfrmctx ha takeover|release` (the daemon already follows the address).
#
# 1. keepalived elects A; the peer's tunnel comes up to A; B is in sync.
# 2. Switchover: `xfrmctx ha switchover` on A lowers A's priority, B
#    preempts, the tunnel follows the address (planned, no jump).
# 3. Fail-back: `xfrmctx ha takeover` on A restores its priority; A
#    preempts after preempt_delay; the tunnel comes back (planned).
# 4. Crash: A's keepalived, daemon and charon killed (kill -9), its link
#    down; B's keepalived notices, the tunnel moves with jumps.
# 5. A returns (link, charon, daemon, keepalived): it joins as the standby,
#    catches up, preempts and takes the tunnel back (planned): no manual step.
# Throughout: no new IKE_SA_INIT, 0 replay / integrity failures at the peer,
# no (SPI, sequence number) sent twice, DPD keeps the tunnel, no DELETE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/hd_lib.sh"
. "$(dirname "$0")/peer_lib.sh"

[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run)"
[ -x "$XFRMCTXD" ] || die "$XFRMCTXD is not built (make helper)"
command -v keepalived >/dev/null || skip "keepalived is not installed (scripts/setup-deps installs it)"


load_module
on_exit unload_module
ike_require
peer_require
ike_topo
run - ip -n "$gwA" addr del "$IKE_VIP/32" dev eth0	# keepalived's from here
export IKE_DPD=2s HD_TRACK=1
ike_conf gwA gw psk "127.0.0.1 127.0.0.2 no no"
ike_conf gwB gw psk "127.0.0.1 127.0.0.2 no no"
hd_keyfile
declare -A KA_PID

# ka_conf NAME PRIO OWN PEER
ka_conf() {
	local ctl="$XFRMCTX ha %s control $IKE_DIR/$1.sock"
	cat > "$IKE_DIR/$1.ka.conf" <<EOC
global_defs {
	router_id $1
	script_user root
	enable_script_security
}
track_file xfrmctxd {
	file $IKE_DIR/$1.track
	weight 1
}
vrrp_instance TUNNELS {
	state BACKUP
	interface eth0
	virtual_router_id 51
	priority $2
	preempt_delay 4
	advert_int 1
	unicast_src_ip 10.0.0.$3
	unicast_peer {
		10.0.0.$4
	}
	virtual_ipaddress {
		$IKE_VIP/32 dev eth0
	}
	track_file {
		xfrmctxd
	}
	notify_master "$(printf "$ctl" takeover)"
	notify_backup "$(printf "$ctl" release)"
	notify_fault "$(printf "$ctl" release)"
	notify_stop "$(printf "$ctl" release)"
}
EOC
}
ka_start() {	# ka_start NAME NS
	local d=$IKE_DIR/$1.ka
	mkdir -p "$d"
	echo "# [$2] keepalived -f $IKE_DIR/$1.ka.conf"
	ip netns exec "$2" unshare -m sh -c "mount -t tmpfs tmpfs /run && exec keepalived -n -l -D -P \
		-f $IKE_DIR/$1.ka.conf -p $d/keepalived.pid -r $d/vrrp.pid" >"$IKE_DIR/keepalived-$1.log" 2>&1 &
	KA_PID[$1]=$!
}
ka_kill() {	# ka_kill NAME [SIGNAL]: keepalived and its VRRP child
	local d=$IKE_DIR/$1.ka sig=${2:-TERM}
	[ -n "${KA_PID[$1]:-}" ] || return 0
	kill "-$sig" "$(cat "$d/vrrp.pid" 2>/dev/null)" 2>/dev/null
	kill "-$sig" "${KA_PID[$1]}" 2>/dev/null
	wait "${KA_PID[$1]}" 2>/dev/null
	unset "KA_PID[$1]"
}
on_exit 'for n in "${!KA_PID[@]}"; do ka_kill $n; done'
on_exit '[ "$XC_RC" = 0 ] || for f in "$IKE_DIR"/keepalived-*.log; do echo "# --- $f"; tail -n 30 "$f" | sed "s/^/#   /"; done'
vip_on() { ip -n "$1" addr show dev eth0 | grep -q "inet $IKE_VIP/"; }

ike_launch gwA "$gwA"
ike_launch gwB "$gwB"
ike_ready gwA
ike_ready gwB
peer_setup "$peer"
hd_conf gwA gwB 3 2
hd_conf gwB gwA 2 3
ka_conf gwA 150 2 3
ka_conf gwB 100 3 2
hd_start gwA "$gwA"
hd_start gwB "$gwB"
ka_start gwA "$gwA"
slowwait 15 vip_on "$gwA" || die "keepalived did not make A the master"
ka_start gwB "$gwB"
slowwait 10 hd_is gwA '.role == "active" and .channel' || die "A's daemon is not active with a channel"
check "keepalived made A the master; A's daemon followed the address" hd_is gwA '.role == "active"'
step "keepalived, charons and daemons up"

hd_capture_start
check "the peer ($PEER_IMPL) brings the tunnel up to A" peer_initiate
spis=$(ike_sa_spis gwA)
peer_id=$(peer_ike)
t_up=$(now_ms)
log "the IKE_SA: $spis at A, $peer_id at the peer"
check "the peer holds an established IKE SA" test -n "$peer_id"
hd_ping_start
slowwait 20 in_sync gwB
check "B's daemon says in sync" in_sync gwB
step "tunnel up, B in sync"

# moved NAME KIND: NAME's daemon took the tunnel over as KIND, and it works
moved() {
	local n=$1 kind=$2 t=$3
	slowwait 20 hd_is "$n" '.role == "active" and .last_takeover.ok' ||
		fail "$n did not take over"
	check_eq "$n took over ($kind)" "active $kind true" \
		"$(hjson "$n" | jq -r '[.role, .last_takeover.kind, .last_takeover.ok] | join(" ")')"
	hjson "$n" | jq -c .last_takeover | sed 's/^/#   /'
	slowwait 15 answered_after "$(now_ms)"
	check "$n answers the peer's pings" answered_after "$t"
	check_eq "$n's charon holds the peer's IKE_SA, established" "ESTABLISHED $spis" "$(ike_sa_main "$n")"
	check_eq "the peer's IKE SA is the same" "$peer_id" "$(peer_ike)"
	check_eq "the peer drops none of the gateways' ESP" "replay 0 failed 0" "$(peer_fail)"
	check_eq "no DELETE reached the peer (but those of rekeys)" "${dels:-0}" "$(peer_deletes)"
	log "longest stretch without an answered ping: $(gap_after "$t") ms"
}

# ---- 2. switchover A -> B
sleep 2
t=$(now_ms)
check "xfrmctx ha switchover on A" ha gwA ha switchover
moved gwB planned "$t"
check_eq "A is the standby, its charon passive" "standby PASSIVE $spis" \
	"$(hjson gwA | jq -r .role) $(ike_sa_main gwA)"
step "switched over to B"

# ---- 3. fail-back B -> A
slowwait 20 in_sync gwA
check "A is in sync as the standby" in_sync gwA
t=$(now_ms)
check "xfrmctx ha takeover on A (priority restored)" ha gwA ha takeover
moved gwA planned "$t"
step "back on A"

# ---- 4. crash of A
slowwait 20 in_sync gwB
t=$(now_ms)
ka_kill gwA KILL
hd_stop gwA KILL
ike_stop gwA KILL
run - ip -n "$gwA" link set eth0 down
moved gwB crash "$t"
sleep 6	# three DPD probes of the peer answered by B
check_eq "the peer's IKE SA survives its DPD probes" "$peer_id" "$(peer_ike)"
check "B's CHILD_SA rekey with the peer succeeds after the crash" rekey gwB --child net
dels=$(peer_deletes)
step "crash taken over by B"

# ---- 5. A returns and takes the tunnel back
run - ip -n "$gwA" link set eth0 up
run - ip -n "$gwA" addr flush dev eth0 scope global
run - ip -n "$gwA" addr add 10.0.0.2/24 dev eth0
ip -n "$gwA" xfrm state flush; ip -n "$gwA" xfrm policy flush
ip -n "$gwA" xfrm policy add src 192.168.0.0/16 dst 192.168.0.0/16 dir out action block priority 4000000000
ike_start gwA "$gwA"
hd_conf gwA gwB 3 2	# the new charon's FIFO
hd_start gwA "$gwA"
t=$(now_ms)
ka_start gwA "$gwA"
moved gwA planned "$t"
step "A is back and active"

hd_ping_stop
hd_capture_stop
check "the capture holds the first IKE_SA_INIT" test "$(pcap_inits "$IKE_DIR/pcap.txt")" -ge 2
check_eq "no IKE_SA_INIT after the tunnel came up" 0 "$(pcap_inits_after "$IKE_DIR/pcap.txt" "$t_up")"
check_eq "no (SPI, sequence number) sent twice by the gateways ($(grep -c 'ESP(spi=' "$IKE_DIR/pcap.txt") ESP packets)" \
	0 "$(pcap_dups "$IKE_DIR/pcap.txt")"
step "checked"
