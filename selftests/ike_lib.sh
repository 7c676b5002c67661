#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the ike_*.sh selftests (sourced after lib.sh): the HA topology
# with real charon daemons, one per namespace, each with its own
# configuration, run directory (a private /run in its own mount namespace),
# log and VICI socket.
#
#     192.168.1.1/24 (dummy)                 192.168.2.1/24 (dummy, on A and B)
#          [ peer ]                         [ gwA ]        [ gwB ]
#        10.0.0.1/24                         10.0.0.2       10.0.0.3
#             \_______________ [ lan: br0 ] ____/______________/
#                                       VIP 10.0.0.100 on A, later on B
#
# The peer (road warrior) has one connection "rw" to the VIP with one
# CHILD_SA "net" (192.168.1.0/24 === 192.168.2.0/24). Gateways A and B load
# the same "rw" and identity. The recorder runs on A, next to the charon
# whose HA stream it follows (it exports A's kernel SAs into the same
# container): A's HA plugin streams to it on loopback, or (PSK test) to a
# second address of A in cleartext. B's HA plugin listens on 127.0.0.1 for
# the take-over from 127.0.0.2, with no heartbeat (monitor = no), so that
# what B holds stays passive until the take-over activates it through B's
# FIFO.

XFRMCTX_IKE=${XFRMCTX_IKE:-$XC_TOP/build/helper/xfrmctx-ike}
# The plugins the tests need, and only those: each one is a dlopen() over
# the VM's 9p root, and Debian's charon would load 60.
IKE_PLUGINS="random nonce openssl kdf pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-netlink socket-default vici"
IKE_VIP=10.0.0.100
IKE_PSK=0sdGhpcyBpcyB0aGUgdGVzdCBQU0sgb2YgeGZybWN0eA==
IKE_DIR=
declare -A IKE_PID IKE_NS

ike_require() {
	[ -x /usr/lib/ipsec/charon ] || skip "strongSwan's charon is not installed (scripts/setup-deps)"
	[ -e /usr/lib/ipsec/plugins/libstrongswan-ha.so ] || skip "charon's ha plugin is missing (libcharon-extra-plugins)"
	[ -e /usr/lib/ipsec/plugins/libstrongswan-openssl.so ] || skip "charon's openssl plugin is missing (libstrongswan-standard-plugins)"
	[ -x "$XFRMCTX_IKE" ] || die "$XFRMCTX_IKE is not built (make helper)"
	IKE_DIR=$(mktemp -d /tmp/ike.XXXXXX)
	on_exit "ike_stop_all"
	on_exit "ike_dump_logs"
}

ike_topo() {
	setup_ns lan peer gwA gwB
	# Few processes: each start costs 0.1-0.5 s under TCG. ip -batch.
	ip -batch - <<EOF || die "cannot create the veth pairs"
link add v1 netns $peer type veth peer name p1 netns $lan
link add v2 netns $gwA type veth peer name p2 netns $lan
link add v3 netns $gwB type veth peer name p3 netns $lan
EOF
	# Load the ESP and AES-GCM modules now: their first autoload over the
	# VM's 9p root takes seconds and would be counted in the first IKE_AUTH.
	ip -n "$lan" -batch - <<EOF || die "cannot set up the LAN"
link add br0 type bridge
link set br0 up
link set p1 master br0 up
link set p2 master br0 up
link set p3 master br0 up
xfrm state add src 10.9.9.1 dst 10.9.9.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) 0x$(printf '%040d' 0) 128 flag esn replay-window 32
xfrm state flush
EOF
	local ns i=1 inner
	for ns in "$peer" "$gwA" "$gwB"; do
		if [ $i = 1 ]; then
			inner="addr add 192.168.1.1/24 dev inner
route add 192.168.2.0/24 via $IKE_VIP src 192.168.1.1"
		else
			inner="addr add 192.168.2.1/24 dev inner
route add 192.168.1.0/24 via 10.0.0.1 src 192.168.2.1"
		fi
		# Without an IPsec SA the inner networks must not reach each
		# other in clear: a catch-all block policy below charon's.
		ip -n "$ns" -batch - <<EOF || die "cannot set up $ns"
link set v$i name eth0
link set eth0 up
addr add 10.0.0.$i/24 dev eth0
link add inner type dummy
link set inner up
$inner
xfrm policy add src 192.168.0.0/16 dst 192.168.0.0/16 dir out action block priority 4000000000
EOF
		i=$((i + 1))
	done
	run - ip -n "$gwA" addr add "$IKE_VIP/32" dev eth0
}

# Move the VIP from namespace $2 to namespace $1 and announce it.
ike_move_vip() {
	local to=$1 from=$2
	[ -n "$from" ] && run - ip -n "$from" addr del "$IKE_VIP/32" dev eth0
	run - ip -n "$to" addr add "$IKE_VIP/32" dev eth0
	ip netns exec "$to" busybox arping -q -U -c 1 -I eth0 -s "$IKE_VIP" "$IKE_VIP" || true
}

# ike_conf NAME ROLE AUTH HA
#   ROLE: peer | gw;  AUTH: psk | cert
#   HA: "none", or "LOCAL REMOTE MONITOR RESYNC [SECRET]" for the ha plugin
ike_conf() {
	local name=$1 role=$2 auth=$3 ha=$4
	local d=$IKE_DIR/$name ha_block laddr raddr lid rid lts rts
	mkdir -p "$d"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	if [ "$ha" = none ]; then
		ha_block="ha { load = no }"
	else
		set -- $ha
		ha_block="ha {
			load = yes
			local = $1
			remote = $2
			monitor = $3
			resync = $4
			segment_count = 1
			${5:+secret = $5}
		}
		# the tunnel address comes and goes with the active role: charon
		# must not roam (MOBIKE) to another address when it leaves
		kernel-netlink {
			roam_events = no
		}"
	fi
	cat > "$d/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = $IKE_PLUGINS$([ "$ha" = none ] || echo " ha")
	install_routes = no
	retransmit_tries = ${IKE_RETRANSMIT_TRIES:-4}
	retransmit_timeout = 2.0
	retransmit_base = 1.4
	filelog {
		f {
			path = $d/charon.log
			time_format = %s
			time_add_ms = yes
			append = no
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}
	}
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
		$ha_block
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
}
EOF
	if [ "$role" = peer ]; then
		laddr=10.0.0.1; raddr=$IKE_VIP; lid=peer.example.org; rid=gw.example.org
		lts=192.168.1.0/24; rts=192.168.2.0/24
	else
		laddr=$IKE_VIP; raddr=10.0.0.1; lid=gw.example.org; rid=peer.example.org
		lts=192.168.2.0/24; rts=192.168.1.0/24
	fi
	local lauth="auth = psk" rauth="auth = psk"
	if [ "$auth" = cert ]; then
		# the test PKI of selftests/ike_pki (README there)
		cp "$XC_TOP/selftests/ike_pki/ca.crt" "$d/swanctl/x509ca/"
		cp "$XC_TOP/selftests/ike_pki/${lid%%.*}.crt" "$d/swanctl/x509/"
		cp "$XC_TOP/selftests/ike_pki/${lid%%.*}.key" "$d/swanctl/private/"
		chmod 600 "$d/swanctl/private/"*
		lauth="auth = pubkey
			certs = ${lid%%.*}.crt"
		rauth="auth = pubkey"
	fi
	cat > "$d/swanctl/swanctl.conf" <<EOF
connections {
	rw {
		version = 2
		local_addrs = $laddr
		remote_addrs = $raddr
		proposals = aes256gcm16-prfsha256-ecp256
		rekey_time = 4h
		reauth_time = 0
		dpd_delay = ${IKE_DPD:-0}
		local {
			$lauth
			id = $lid
		}
		remote {
			$rauth
			id = $rid
		}
		children {
			net {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = aes256gcm16-ecp256-esn
				mode = tunnel
				rekey_time = 4h
				start_action = none
				dpd_action = ${IKE_DPD_ACTION:-clear}
			}
		}
	}
EOF
	echo "}" >> "$d/swanctl/swanctl.conf"
	if [ "$auth" = psk ]; then
		cat >> "$d/swanctl/swanctl.conf" <<EOF
secrets {
	ike-rw {
		id-1 = peer.example.org
		id-2 = gw.example.org
		secret = $IKE_PSK
	}
}
EOF
	fi
}

# ike_launch NAME NS [ROOT]: start charon in namespace NS with a private
# /run; with ROOT, the charon of another Debian release, chrooted into ROOT
# (its /tmp the test's, where IKE_DIR is: the same paths inside and out).
# ike_ready NAME: wait for it and load its configuration. Several charons
# start at once this way; ike_start NAME NS does both.
ike_launch() {
	local name=$1 ns=$2 d=$IKE_DIR/$1 root=${3:-}
	echo "# [$ns] charon ($name)${root:+ chrooted into $root}"
	rm -f "$d/charon.vici"
	if [ -n "$root" ]; then
		STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" unshare -m sh -c \
			'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" &&
			 mount -t tmpfs none "$0/run" && mount --rbind /tmp "$0/tmp" &&
			 exec chroot "$0" /usr/lib/ipsec/charon' "$root" >"$d/stdout" 2>&1 &
	else
		STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$ns" \
			unshare -m sh -c 'mount -t tmpfs none /run && exec /usr/lib/ipsec/charon' \
			>"$d/stdout" 2>&1 &
	fi
	IKE_PID[$name]=$!
	IKE_NS[$name]=$ns
}

ike_ready() {
	local name=$1 d=$IKE_DIR/$1
	slowwait 15 test -S "$d/charon.vici" || { ike_log_tail "$name"; die "charon $name did not start"; }
	ike_swan "$name" --load-all >/dev/null || { ike_log_tail "$name"; die "swanctl --load-all on $name"; }
}

ike_start() {
	ike_launch "$1" "$2"
	ike_ready "$1"
}

# ike_swan NAME ARGS...: swanctl against NAME's charon.
ike_swan() {
	local name=$1 d=$IKE_DIR/$1 cmd=$2
	shift 2
	STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl \
		ip netns exec "${IKE_NS[$name]}" swanctl "$cmd" --uri "unix://$d/charon.vici" "$@"
}

ike_fifo() {
	echo "/proc/${IKE_PID[$1]}/root/run/charon.ha"
}

# ike_segment NAME +1|-1: a command through NAME's HA control FIFO.
ike_segment() {
	local fifo
	fifo=$(ike_fifo "$1")
	slowwait 5 test -p "$fifo" || { fail "no HA FIFO for $1"; return 1; }
	echo "# [${IKE_NS[$1]}] echo $2 > $fifo"
	timeout 5 sh -c "printf '%s' '$2' > '$fifo'"
}

# ike_stop NAME [SIGNAL]: stop charon NAME and wait for it.
ike_stop() {
	local pid=${IKE_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	# charon gets 3 s to shut down (SECONDS: sleeps are slow under TCG)
	local deadline=$((SECONDS + 3))
	while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
		sleep 0.2
	done
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "IKE_PID[$1]"
}

ike_stop_all() {
	local n
	for n in "${!IKE_PID[@]}"; do
		ike_stop "$n"
	done
	[ -n "${IKE_KEEP:-}" ] || rm -rf "$IKE_DIR"
}

ike_log_tail() {
	echo "# --- last lines of charon $1's log"
	tail -n "${2:-40}" "$IKE_DIR/$1/charon.log" 2>/dev/null | sed 's/^/#   /'
	tail -n 5 "$IKE_DIR/$1/stdout" 2>/dev/null | sed 's/^/#   /'
}

# NAME's IKE_SAs "rw", one line each: "STATE SPI_I SPI_R".
ike_sa_list() {
	ike_swan "$1" --list-sas --ike rw --raw 2>/dev/null |
		sed -n 's/.*{rw {uniqueid=[0-9]* version=[0-9]* state=\([A-Z_]*\) .*initiator-spi=\([0-9a-f]*\) responder-spi=\([0-9a-f]*\) .*/\1 \2 \3/p'
}

# The IKE_SA "rw" that matters: the ESTABLISHED one, else a PASSIVE one,
# else the first; "STATE SPI_I SPI_R" or nothing.
ike_sa_main() {
	ike_sa_list "$1" | awk '
		$1 == "ESTABLISHED" { e = $0 } $1 == "PASSIVE" { p = $0 } NR == 1 { f = $0 }
		END { print (e != "" ? e : (p != "" ? p : f)) }'
}

ike_sa_spis() { ike_sa_main "$1" | awk 'NF == 3 { print $2, $3 }'; }
ike_sa_state() { ike_sa_main "$1" | awk 'NF == 3 { print $1 }'; }

# On failure, the logs that tell why.
ike_dump_logs() {
	[ "$XC_RC" = 0 ] && return 0
	local f n
	for f in "$IKE_DIR"/*.log; do
		[ -e "$f" ] || continue
		echo "# --- $(basename "$f")"
		tail -n 40 "$f" | sed 's/^/#   /'
	done
	for n in "${!IKE_NS[@]}"; do
		ike_log_tail "$n" 60
	done
}
