#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A gateway pair in the middle of a strongSwan upgrade (issue 15): A runs
# Debian 12's charon 5.9.8 (HA protocol version 3), B Debian 13's charon
# 6.0.1 (version 4) from the trixie root (scripts/trixie-root userland),
# chrooted; each daemon converts the peer's datagrams for its own charon.
#
#     [ peer ] charon 5.9.8, DPD every 2 s, pinging 20/s through the tunnel
#        |
#   [ lan br0 ] ------------------------------------------------
#        |                                   |
#     [ gwA ] charon 5.9.8 + xfrmctxd <=TLS=> [ gwB ] charon 6.0.1 + xfrmctxd
#
# 1. A holds the address; the peer brings the tunnel up to A; B's daemon
#    converts A's stream to version 4, B's charon holds the IKE_SA passive,
#    B is in sync.
# 2. Planned switchover to B (6.0.1); the peer rekeys the CHILD_SA and the
#    IKE_SA with B; A follows B's stream converted to version 3.
# 3. Crash of B: A (5.9.8) takes over from its last snapshot with a jump.
# After each: the peer's IKE_SA unchanged (no IKE_SA_INIT on the wire),
# 0 replay and 0 integrity failures on the peer's SAs, the pings go on.
# Runs in make check-all (it needs the trixie root).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"
. "$(dirname "$0")/hd_lib.sh"
. "$(dirname "$0")/peer_lib.sh"

hd_require
ROOT6=${XC_TRIXIE_ROOT:-/var/cache/xfrm-ctx/trixie}
[ -x "$ROOT6/usr/lib/ipsec/charon" ] && [ -e "$ROOT6/usr/lib/ipsec/plugins/libstrongswan-ha.so" ] ||
	skip "no trixie root with strongSwan 6 and its ha plugin at $ROOT6 (scripts/trixie-root userland)"
v_a=$(/usr/lib/ipsec/charon --version 2>&1 | head -n1)
v_b=$(chroot "$ROOT6" /usr/lib/ipsec/charon --version 2>&1 | head -n1)
log "A: $v_a; B: $v_b (chrooted into $ROOT6)"
grep -q 'strongSwan 5\.' <<<"$v_a" || skip "this userland's charon is not strongSwan 5 ($v_a)"
grep -q 'strongSwan 6\.' <<<"$v_b" || skip "the trixie root's charon is not strongSwan 6 ($v_b)"

load_module
on_exit unload_module
ike_require
ike_topo
IKE_DPD=2s ike_conf peer peer psk none
# B's daemon asks B's charon which release it is, as it would on a Debian 13
# host (charon-bin; the probe, not ha-version, is what this checks)
printf '#!/bin/sh\nexec chroot %s /usr/lib/ipsec/charon "$@"\n' "$ROOT6" > "$IKE_DIR/charon6"
chmod 755 "$IKE_DIR/charon6"
HD_EXTRA_B="charon-bin = $IKE_DIR/charon6" hd_pair psk "$ROOT6"
hd_start_both
step "charons and daemons up"

hd_capture_start

# ---- 1. A (5.9.8) active, B (6.0.1) follows
hd_tunnel_up
check_eq "B's daemon: its charon speaks version 4, A's 3" "4 3" \
	"$(hjson gwB | jq -r '"\(.ha_version) \(.peer_ha_version)"')"
check "B's daemon converted A's datagrams" hd_is gwB '.stream.converted > 0 and .stream.dropped == 0'
check_eq "B's charon 6.0.1 holds the IKE_SA passive, same SPIs" "PASSIVE $spis_peer" \
	"$(ike_sa_main gwB)"
ha gwB ha status | sed 's/^/#   /'
step "standby (6.0.1) in sync with 5.9.8"
sleep 2

# ---- 2. planned switchover to B, rekeys with B, A follows
t0=$(now_ms)
out=$(ha gwA ha switchover 2>&1)
check "xfrmctx ha switchover on A ($out)" test $? = 0
ike_move_vip "$gwB" "$gwA"
slowwait 10 hd_is gwB '.role == "active"'
check_eq "B took over, planned, no jump" "active planned 0" \
	"$(hjson gwB | jq -r '[.role, .last_takeover.kind, .last_takeover.out_jump] | join(" ")')"
slowwait 5 answered_after "$(now_ms)"
check "B answers the peer's pings" answered_after "$t0"
check_eq "B's charon holds the IKE_SA, established" "ESTABLISHED $spis_peer" "$(ike_sa_main gwB)"
check_eq "the peer drops none of B's ESP" "replay 0 failed 0" "$(peer_fail)"
check_eq "no DELETE reached the peer in the switchover" 0 "$(peer_deletes)"
log "switchover 5.9.8 -> 6.0.1: longest stretch without an answered ping $(gap_after "$t0") ms"
check "the peer's CHILD_SA rekey with B succeeds" rekey peer --child net
check "the peer's IKE_SA rekey with B succeeds" rekey peer --ike rw
spis_peer=$(ike_sa_spis peer)
check_eq "B holds the rekeyed IKE_SA" "ESTABLISHED $spis_peer" "$(ike_sa_main gwB)"
slowwait 20 hd_is gwA '.in_sync and .role == "standby"'
check "A (5.9.8), now the standby, is in sync again" in_sync gwA
check "A's daemon converted B's datagrams to version 3" \
	hd_is gwA '.ha_version == 3 and .peer_ha_version == 4 and .stream.converted > 0 and .stream.dropped == 0'
check_eq "A's charon 5.9.8 holds the rekeyed IKE_SA passive" "PASSIVE $spis_peer" \
	"$(ike_sa_main gwA)"
step "switched over to 6.0.1 and rekeyed"
sleep 3

# ---- 3. crash of B: A (5.9.8) takes over with a jump
t1=$(now_ms)
kill -9 "${HD_PID[gwB]}" "${IKE_PID[gwB]}"
wait "${HD_PID[gwB]}" "${IKE_PID[gwB]}" 2>/dev/null
unset "HD_PID[gwB]" "IKE_PID[gwB]"
run - ip -n "$gwB" addr del "$IKE_VIP/32" dev eth0
ike_move_vip "$gwA" ""
slowwait 10 hd_is gwA '.role == "active"'
check_eq "A took over after the crash" "active crash true" \
	"$(hjson gwA | jq -r '[.role, .last_takeover.kind, .last_takeover.ok] | join(" ")')"
slowwait 10 answered_after "$(now_ms)"
check "A answers the peer's pings after the crash" answered_after "$t1"
check_eq "A's charon holds the IKE_SA, established" "ESTABLISHED $spis_peer" "$(ike_sa_main gwA)"
check_eq "the peer drops none of A's ESP" "replay 0 failed 0" "$(peer_fail)"
check "A's CHILD_SA rekey with the peer succeeds after the crash" rekey gwA --child net
log "crash 6.0.1 -> 5.9.8: longest stretch without an answered ping $(gap_after "$t1") ms"
step "crash taken over"

hd_ping_stop
hd_capture_stop
check_eq "one IKE_SA_INIT exchange in the whole run (the first)" 2 "$(pcap_inits "$IKE_DIR/pcap.txt")"
check_eq "no (SPI, sequence number) sent twice by the gateways" 0 "$(pcap_dups "$IKE_DIR/pcap.txt")"
step "checked"
