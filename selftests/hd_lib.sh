#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the ha_node*.sh selftests (sourced after lib.sh and ike_lib.sh):
# the node daemon xfrmctxd on gateways A and B of ike_lib.sh's topology,
# asked through `xfrmctx ha`, and what the tests check at the peer.

XFRMCTXD=${XFRMCTXD:-$XC_TOP/build/helper/xfrmctxd}

# Time stamps of the scenario's steps, in ms since the test started.
now_ms() { date +%s%3N; }
T_START=$(now_ms)
step() { log "[+$(( $(now_ms) - T_START )) ms] $*"; }
XFRMCTX=${XFRMCTX:-$XC_TOP/build/helper/xfrmctx}
declare -A HD_PID

hd_keyfile() {
	HD_PSK=$IKE_DIR/psk
	"$XFRMCTX" key new gwA -o "$HD_PSK" >/dev/null && "$XFRMCTX" key new gwB -o "$HD_PSK" >/dev/null ||
		die "cannot make the key file"
	on_exit 'for n in "${!HD_PID[@]}"; do hd_stop $n; done'
	on_exit '[ "$XC_RC" = 0 ] || for f in "$IKE_DIR"/xfrmctxd-*.log; do echo "# --- $f"; tail -n 80 "$f" | sed "s/^/#   /"; done'
}

# hd_conf NAME PEER PEER_HOST_NR OWN_HOST_NR: A is 10.0.0.2, B 10.0.0.3.
# With HD_TRACK=1, a keepalived track file (the cluster manager moves the
# address on a switchover); without, the daemons switch over themselves.
# HD_EXTRA: more lines (ike = no, move-address = yes, ...).
hd_conf() {
	cat > "$IKE_DIR/$1.conf" <<EOC
# xfrmctxd on $1
id = $1
peer-id = $2
peer = 10.0.0.$3
listen = 10.0.0.$4
psk = $HD_PSK
control = $IKE_DIR/$1.sock
address = $IKE_VIP
$([ -n "${IKE_PID[$1]:-}" ] && echo "fifo = $(ike_fifo "$1")")
$([ -n "${HD_TRACK:-}" ] && echo "track-file = $IKE_DIR/$1.track")
${HD_EXTRA:-}
EOC
}

# hd_pair AUTH [ROOT_B]: gateways A and B with charon (its ha plugin on
# loopback to the node's daemon) and the daemon's configuration, the key
# file, and the charons of A, B and the peer (whose configuration the test
# wrote) started. B's charon comes from ROOT_B (another Debian release) if
# given, its daemon gets HD_EXTRA_B's lines too.
hd_pair() {
	local auth=$1 root_b=${2:-}
	ike_conf gwA gw "$auth" "127.0.0.1 127.0.0.2 no no"
	ike_conf gwB gw "$auth" "127.0.0.1 127.0.0.2 no no"
	hd_keyfile
	ike_launch gwA "$gwA"
	ike_launch gwB "$gwB" "$root_b"
	ike_launch peer "$peer"
	ike_ready gwA
	ike_ready gwB
	ike_ready peer
	hd_conf gwA gwB 3 2
	HD_EXTRA="${HD_EXTRA:-}${HD_EXTRA_B:+
$HD_EXTRA_B}" hd_conf gwB gwA 2 3
}

# Both daemons started (A where the address is), the channel open.
hd_start_both() {
	hd_start gwA "$gwA"
	hd_start gwB "$gwB"
	slowwait 15 sh -c "$XFRMCTX -j ha status control $IKE_DIR/gwA.sock | jq -e .channel >/dev/null" ||
		die "the daemons' channel did not open"
}

# The peer brings the tunnel up to A, pings through it, B catches up:
# spis_peer holds the peer's IKE_SA SPIs.
hd_tunnel_up() {
	check "the peer brings the tunnel up to A" ike_swan peer --initiate --child net --timeout 30
	spis_peer=$(ike_sa_spis peer)
	hd_ping_start
	slowwait 20 in_sync gwB
	check "B's daemon says in sync" in_sync gwB
}

# The guards of every daemon test.
hd_require() {
	[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run)"
	[ -x "$XFRMCTXD" ] || die "$XFRMCTXD is not built (make helper)"
}

hd_start() {	# hd_start NAME NS
	echo "# [$2] xfrmctxd -c $IKE_DIR/$1.conf"
	# a killed daemon leaves its socket: wait for the new one, not that
	rm -f "$IKE_DIR/$1.sock"
	ip netns exec "$2" "$XFRMCTXD" -c "$IKE_DIR/$1.conf" -v >>"$IKE_DIR/xfrmctxd-$1.log" 2>&1 &
	HD_PID[$1]=$!
	slowwait 10 test -S "$IKE_DIR/$1.sock" || die "xfrmctxd on $1 did not start"
}

hd_stop() {	# hd_stop NAME [SIGNAL]
	local pid=${HD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "HD_PID[$1]"
}

ha() {	# ha NAME ARGS...: `xfrmctx ARGS control SOCKET` against NAME's daemon
	local n=$1; shift
	echo "# [${IKE_NS[$n]}] xfrmctx $*" >&2
	ip netns exec "${IKE_NS[$n]}" "$XFRMCTX" "$@" control "$IKE_DIR/$n.sock"
}
hjson() { ip netns exec "${IKE_NS[$1]}" "$XFRMCTX" -j ha status control "$IKE_DIR/$1.sock"; }
hd_is() { hjson "$1" | jq -e "$2" >/dev/null; }	# hd_is NAME JQ-FILTER
in_sync() { hd_is "$1" '.in_sync and .child_sas >= 1'; }

# The peer: replay and integrity failures of its inbound SA(s).
peer_fail() { esp_drops "$peer" 10.0.0.1; }
# Packets the SAs of namespace $1 towards $2 dropped: "replay N failed M",
# N counting both replay drops the kernel tells apart (behind the window,
# replay-window, and seen already, replay), M integrity failures.
esp_drops() {
	ip -n "$1" -s xfrm state list dst "$2" proto esp |
		sed -n 's/.*replay-window \([0-9]*\) replay \([0-9]*\) failed \([0-9]*\).*/\1 \2 \3/p' |
		awk '{ r += $1 + $2; f += $3 } END { printf "replay %d failed %d\n", r, f }'
}
# At least three pings answered after $1 (ms).
answered_after() { awk -v t="$1" -F'[][]' '/bytes from/ { if ($2 * 1000 > t) n++ } END { exit !(n >= 3) }' "$IKE_DIR/ping.log"; }
# The longest stretch without an answered ping after $1 (ms).
gap_after() {
	awk -v t0="$1" -F'[][]' '/bytes from/ { ms = $2 * 1000
		if (have && ms >= t0 && ms - pms > best) best = ms - pms; have = 1; pms = ms }
		END { printf "%.0f\n", best }' "$IKE_DIR/ping.log"
}
rekey() {	# rekey NAME --child net | --ike rw
	ike_swan "$1" --rekey "$2" "$3" >"$IKE_DIR/rekey.log" 2>&1 &&
		grep -q 'rekey completed successfully' "$IKE_DIR/rekey.log"
}

# The peer's traffic: a capture of IKE and ESP on its link, and 20 pings a
# second through the tunnel (-D: time stamps for gap_after).
hd_capture_start() {
	HD_PCAP=$IKE_DIR/peer.pcap
	# --immediate-mode: else the last second's packets wait in the capture
	# ring when tcpdump is stopped, and are lost (a renegotiation right
	# before hd_capture_stop went missing that way)
	ip netns exec "$peer" tcpdump -i eth0 -n --immediate-mode -U -w "$HD_PCAP" \
		'udp port 500 or udp port 4500 or esp' \
		2>"$IKE_DIR/tcpdump.log" &
	HD_TCPD=$!
	on_exit "kill $HD_TCPD 2>/dev/null; wait $HD_TCPD 2>/dev/null"
	slowwait 5 grep -q listening "$IKE_DIR/tcpdump.log" || die "tcpdump did not start"
}
# ... stopped and printed as text: $IKE_DIR/pcap.txt
hd_capture_stop() {
	kill "$HD_TCPD" 2>/dev/null; wait "$HD_TCPD" 2>/dev/null
	tcpdump -tt -n -r "$HD_PCAP" 2>/dev/null >"$IKE_DIR/pcap.txt"
}
hd_ping_start() {
	ip netns exec "$peer" ping -D -O -i 0.05 -W 1 -I 192.168.1.1 192.168.2.1 >>"$IKE_DIR/ping.log" 2>&1 &
	HD_PINGER=$!
	on_exit "kill $HD_PINGER 2>/dev/null; wait $HD_PINGER 2>/dev/null"
}
hd_ping_stop() { kill "$HD_PINGER" 2>/dev/null; wait "$HD_PINGER" 2>/dev/null; }

# The capture: IKE_SA_INIT packets, and (SPI, sequence number) pairs the
# gateways (the tunnel address) sent more than once.
pcap_inits() { grep -c 'ikev2_init' "$1"; }
pcap_inits_after() {	# FILE (tcpdump -tt) MS
	awk -v t="$2" '/ikev2_init/ { if ($1 * 1000 >= t) n++ } END { print n + 0 }' "$1"
}
pcap_dups() {
	awk '/ESP\(spi=/ && / 10\.0\.0\.100 > / { match($0, /spi=0x[0-9a-f]+,seq=0x[0-9a-f]+/)
		k = substr($0, RSTART, RLENGTH); if (seen[k]++) d++ } END { print d + 0 }' "$1"
}
