#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Not a test: captures real HA datagrams from an unmodified strongSwan 6.x
# charon for the host unit tests, into helper/tests/ike_vectors/<version>/.
#
#   capture6.sh ROOT OUTDIR
#
# The host kernel needs ESP and AES-GCM; where it has not, run it in the VM
# (whose root is read-only: a tmpfs goes over ROOT/xc, and OUTDIR "-"
# prints the results as a base64 tar between BEGIN-CAPTURE and END-CAPTURE):
#
#   selftests/vm/run --kernel 6.12 helper/tests/ike_vectors/capture6.sh \
#       /var/cache/xfrm-ctx/ss6-root/trixie/root - > log
#   sed -n '/^BEGIN-CAPTURE/,/^END-CAPTURE/{//!p}' log | base64 -d | tar -xz -C DIR
#
# ROOT is a directory holding Debian's strongSwan packages and their
# dependencies unpacked (dpkg-deb -x) with the usr-merge links (bin, lib,
# lib64, sbin -> usr/...), e.g. trixie's 6.0.1 or sid's 6.1.0 fetched with a
# private apt configuration (nothing is installed on the host). Each charon
# runs chrooted into ROOT, in its own network and mount namespace, on the
# stock kernel's XFRM (the project's module is not needed).
#
#   [ xcv-peer ] 10.0.0.1 ---veth--- 10.0.0.2 [ xcv-gw ]
#                                    ha: 127.0.0.1 -> 127.0.0.2 (lo)
#
# The gateway's HA plugin streams to 127.0.0.2, where a listener writes each
# datagram to OUTDIR/NNNNNN.bin (tcpdump writes OUTDIR/ha.pcap next to it).
# The peer brings up "pq" (IKEv2 with an additional key exchange, RFC 9370:
# IKE_INTERMEDIATE, and PFS with an additional key exchange on the
# CHILD_SAs) and "rw" (one key exchange), both rekey their CHILD_SA and
# IKE_SA from both sides, "rw" is terminated, and the segment is dropped and
# taken through the FIFO. swanctl --list-sas --raw of both ends is written
# to OUTDIR/gw.sas and OUTDIR/peer.sas at the end (what the unit tests check
# the recorded state against); the charon logs go to OUTDIR/*.log.
#
# With XFRMCTX_IKE=path/to/xfrmctx-ike, that recorder is the HA peer instead
# (--dump-dir gives the same NNNNNN.bin files), and at the end its container
# is replayed into a third charon of the same release, xcv-gwb (10.0.0.2 on
# lo, no link to the peer), with `xfrmctx-ike replay --activate` and the HA
# version found by its auto probe: the test passes if that charon holds pq
# ESTABLISHED with the gateway's SPIs and its kernel has the gateway's two
# ESP SAs of pqnet with the same keys ("REPLAY PASS" / "REPLAY FAIL").
# With also GW_ROOT=ROOT2, the peer and the recording gateway run ROOT2's
# release and the standby ROOT's: a rolling upgrade. For a 5.x ROOT2
# (bookworm's 5.9.8) only "rw" exists, stays up and is what is replayed.
set -eu
ROOT=$(cd "$1" && pwd)
# GW_ROOT: another release for the peer and the recording gateway (the
# replay's standby stays on ROOT): a rolling upgrade, e.g. bookworm's 5.9.8
GW_ROOT=$(cd "${GW_ROOT:-$ROOT}" && pwd)
root_of() { if [ "$1" = gwb ]; then echo "$ROOT"; else echo "$GW_ROOT"; fi; }
if [ "$2" = - ]; then
	OUT=$(mktemp -d)
	PRINT=1
else
	OUT=$(mkdir -p "$2" && cd "$2" && pwd)
	PRINT=
fi
for r in "$ROOT" "$GW_ROOT"; do
	touch "$r/xc/.w" 2>/dev/null && rm -f "$r/xc/.w" || mount -t tmpfs none "$r/xc"
done
KE=${KE:-mlkem768}	# the additional key exchange: ML-KEM-768 where charon has it
PEER=xcv-peer GW=xcv-gw GWB=xcv-gwb
XFRMCTX_IKE=${XFRMCTX_IKE:-}
pids=()

cleanup() {
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 1
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del $PEER 2>/dev/null
	ip netns del $GW 2>/dev/null
	ip netns del $GWB 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$GW_ROOT/xc/peer" "$GW_ROOT/xc/gw" "$ROOT/xc/gwb"
}
trap cleanup EXIT

ip netns add $PEER
ip netns add $GW
ip link add v0 netns $PEER type veth peer name v0 netns $GW
ip -n $PEER addr add 10.0.0.1/24 dev v0
ip -n $GW addr add 10.0.0.2/24 dev v0
for ns in $PEER $GW; do
	ip -n $ns link set lo up
	ip -n $ns link set v0 up
done
ip -n $PEER addr add 192.168.1.1/24 dev lo
ip -n $PEER addr add 192.168.11.1/24 dev lo
ip -n $GW addr add 192.168.2.1/24 dev lo
ip -n $GW addr add 192.168.12.1/24 dev lo
ip -n $PEER addr add 192.168.21.1/24 dev lo
ip -n $GW addr add 192.168.22.1/24 dev lo
ip -n $PEER route add 192.168.2.0/24 via 10.0.0.2 src 192.168.1.1
ip -n $PEER route add 192.168.12.0/24 via 10.0.0.2 src 192.168.11.1
ip -n $GW route add 192.168.1.0/24 via 10.0.0.1 src 192.168.2.1
ip -n $GW route add 192.168.11.0/24 via 10.0.0.1 src 192.168.12.1

PSK=0sdGhpcyBpcyB0aGUgdGVzdCBQU0sgb2YgeGZybWN0eA==
# the connections with an additional key exchange (not in 5.x), in conf()
pq_conns() {
	[ "$PQ" = 1 ] || return 0
	cat <<EOF
	pq {
		version = 2
		local_addrs = $l
		remote_addrs = $r
		proposals = aes256gcm16-prfsha384-ecp384-ke1_$KE
		dpd_delay = 0
		local {
			auth = psk
			id = $lid
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
			pqnet {
				local_ts = 192.168.$s1.0/24
				remote_ts = 192.168.$s2.0/24
				esp_proposals = aes256gcm16-ecp256-ke1_$KE-esn
				mode = tunnel
				start_action = none
			}
		}
	}
	pqi {
		version = 2
		local_addrs = $l
		remote_addrs = $r
		proposals = aes256gcm16-prfsha384-ecp384-ke1_$KE
		dpd_delay = 0
		local {
			auth = psk
			id = pqi-$lid
		}
		remote {
			auth = psk
			id = pqi-$rid
		}
		children {
			pqinet {
				local_ts = 192.168.2$s1.0/24
				remote_ts = 192.168.2$s2.0/24
				esp_proposals = aes256gcm16-ecp256-ke1_$KE-esn
				mode = tunnel
				start_action = none
			}
		}
	}
EOF
}

conf() {	# NAME HA (none, ha, standby)
	local n=$1 d l r lid rid s1 s2
	d=$(root_of "$1")/xc/$1
	mkdir -p "$d"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,pkcs8,pkcs12}
	cat > "$d/strongswan.conf" <<EOF
charon {
	load_modular = no
	load = random nonce openssl kdf pem pkcs1 pkcs8 x509 revocation constraints pubkey kernel-netlink socket-default vici$([ "$2" = none ] || echo " ha")
	install_routes = no
	filelog {
		f {
			path = /xc/$n/charon.log
			time_format = %s
			append = no
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
		}
	}
	plugins {
		vici {
			socket = unix:///xc/$n/charon.vici
		}
		ha {
			load = $([ "$2" = none ] && echo no || echo yes)
			local = 127.0.0.1
			remote = 127.0.0.2
			monitor = $([ "$2" = standby ] && echo no || echo yes)
			resync = $([ "$2" = standby ] && echo no || echo yes)
			segment_count = 1
		}
	}
}
swanctl {
	load = pem pkcs1 pkcs8 x509 revocation constraints pubkey openssl random
}
EOF
	if [ "$n" = peer ]; then
		l=10.0.0.1 r=10.0.0.2 lid=peer.example.org rid=gw.example.org s1=1 s2=2
	else
		l=10.0.0.2 r=10.0.0.1 lid=gw.example.org rid=peer.example.org s1=2 s2=1
	fi
	cat > "$d/swanctl/swanctl.conf" <<EOF
connections {
$(pq_conns)
	rw {
		version = 2
		local_addrs = $l
		remote_addrs = $r
		proposals = aes128-sha256-prfsha256-modp2048
		dpd_delay = 0
		local {
			auth = psk
			id = rw-$lid
		}
		remote {
			auth = psk
			id = rw-$rid
		}
		children {
			net {
				local_ts = 192.168.1$s1.0/24[17/4000]
				remote_ts = 192.168.1$s2.0/24
				esp_proposals = aes128-sha256-noesn
				mode = tunnel
				start_action = none
			}
		}
	}
}
secrets {
	ike-pq {
		id-1 = peer.example.org
		id-2 = gw.example.org
		secret = $PSK
	}
	ike-pqi {
		id-1 = pqi-peer.example.org
		id-2 = pqi-gw.example.org
		secret = $PSK
	}
	ike-rw {
		id-1 = rw-peer.example.org
		id-2 = rw-gw.example.org
		secret = $PSK
	}
}
EOF
}

inroot() {	# NS NAME CMD...: run CMD chrooted into NAME's root in namespace NS
	local ns=$1 r
	r=$(root_of "$2")
	shift 2
	ip netns exec "$ns" unshare -m sh -c \
		'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" && mount -t tmpfs none "$0/run" && exec chroot "$0" "$@"' \
		"$r" "$@"
}

start() {	# NAME NS
	local r
	r=$(root_of "$1")
	rm -f "$r/xc/$1/charon.vici"
	# not through inroot(): $! must be charon itself (ip netns exec,
	# unshare, sh and chroot all exec), for its FIFO under /proc/PID/root
	STRONGSWAN_CONF=/xc/$1/strongswan.conf ip netns exec "$2" unshare -m sh -c \
		'mount --rbind /dev "$0/dev" && mount -t proc proc "$0/proc" && mount -t tmpfs none "$0/run" && exec chroot "$0" "$@"' \
		"$r" /usr/lib/ipsec/charon > "$OUT/$1.stdout" 2>&1 &
	pids+=($!)
	eval "pid_$1=$!"
	for _ in $(seq 50); do
		[ -S "$r/xc/$1/charon.vici" ] && break
		sleep 0.2
	done
	sleep 1
	swan "$1" "$2" --load-all > /dev/null
}

swan() {	# NAME NS ARGS...
	local n=$1 ns=$2 cmd=$3
	shift 3
	STRONGSWAN_CONF=/xc/$n/strongswan.conf SWANCTL_DIR=/xc/$n/swanctl \
		inroot "$ns" "$n" /usr/sbin/swanctl "$cmd" --uri "unix:///xc/$n/charon.vici" "$@"
}

# strongSwan 5.x has no additional key exchanges: then only "rw"
PQ=1
case "$(chroot "$GW_ROOT" /usr/lib/ipsec/charon --version)" in
*"strongSwan 5."*) PQ=0 ;;
esac
rm -rf "$GW_ROOT/xc/peer" "$GW_ROOT/xc/gw" "$ROOT/xc/gwb"
conf peer none
conf gw ha
rm -f "$OUT"/*.bin "$OUT"/ha.pcap

# the HA peer: every datagram into a file, in order
if [ -n "$XFRMCTX_IKE" ]; then
	mkdir -p "$OUT/dump"
	ip netns exec $GW "$XFRMCTX_IKE" record --listen 127.0.0.2 --charon 127.0.0.1 \
		--file "$OUT/rec.ike" --dump-dir "$OUT/dump" 2> "$OUT/rec.log" &
	rec=$!
	pids+=($rec)
else
ip netns exec $GW python3 -u -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 4510))
n = 0
while True:
    d = s.recv(65535)
    n += 1
    with open("%s/%06d.bin" % (sys.argv[1], n), "wb") as f:
        f.write(d)
' "$OUT" &
pids+=($!)
fi
ip netns exec $GW tcpdump -i lo -U -w "$OUT/ha.pcap" udp port 4510 2> "$OUT/tcpdump.log" &
tcpd=$!
pids+=($tcpd)
sleep 1

start gw $GW
swan gw $GW --list-algs > "$OUT/algs.txt"
if [ "$PQ" = 1 ] && ! grep -q ML_KEM_768 "$OUT/algs.txt"; then
	KE=curve25519	# Debian's 6.0.1 has no ML-KEM; RFC 9370 takes any method
	conf peer none
	conf gw ha
	swan gw $GW --load-all > /dev/null
fi
[ "$PQ" = 0 ] || echo "additional key exchange: $KE"
start peer $PEER
sleep 2

step() { echo "== $*"; }
if [ $PQ = 1 ]; then
step "pq up"; swan peer $PEER --initiate --child pqnet --timeout 30
fi
step "rw up"; swan peer $PEER --initiate --child net --timeout 30
ip netns exec $PEER ping -c 2 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1 > /dev/null
if [ $PQ = 1 ]; then
step "peer rekeys pqnet"; swan peer $PEER --rekey --child pqnet; sleep 1
step "peer rekeys pq"; swan peer $PEER --rekey --ike pq; sleep 1
step "gw rekeys pqnet"; swan gw $GW --rekey --child pqnet; sleep 1
step "gw rekeys pq"; swan gw $GW --rekey --ike pq; sleep 1
fi
step "peer rekeys net"; swan peer $PEER --rekey --child net; sleep 1
step "gw rekeys rw"; swan gw $GW --rekey --ike rw; sleep 1
# rw stays up for a 5.x recording (it is what the replay carries then)
if [ $PQ = 1 ]; then
step "rw down"; swan peer $PEER --terminate --ike rw --timeout 10; sleep 1
fi
ip netns exec $PEER ping -c 2 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1 > /dev/null
step "segment -1 +1"
# shellcheck disable=SC2154
fifo=/proc/$pid_gw/root/run/charon.ha
[ -p "$fifo" ] || { echo "no HA FIFO at $fifo" >&2; exit 1; }
printf -- -1 > "$fifo"; sleep 0.5
printf -- +1 > "$fifo"; sleep 1.5
# with the replay: an IKE_SA that keeps its IKE_INTERMEDIATE key update
# (never rekeyed), so that the replay carries one
if [ -n "$XFRMCTX_IKE" ] && [ $PQ = 1 ]; then
	step "pqi up"; swan peer $PEER --initiate --child pqinet --timeout 30; sleep 1
fi
swan gw $GW --list-sas --raw > "$OUT/gw.sas"
swan peer $PEER --list-sas --raw > "$OUT/peer.sas"
swan gw $GW --list-sas > "$OUT/gw.sas.txt"
ip -n $GW xfrm state > "$OUT/gw.xfrm"
cp "$GW_ROOT/xc/gw/charon.log" "$OUT/gw.log"
cp "$GW_ROOT/xc/peer/charon.log" "$OUT/peer.log"
inroot $GW gw /usr/lib/ipsec/charon --version > "$OUT/version"

if [ -n "$XFRMCTX_IKE" ]; then
	kill -TERM $rec
	wait $rec || true
	cp "$OUT"/dump/*.bin "$OUT"/
	# the standby: same connections, HA peer = the replay, no heartbeat
	ip netns add $GWB
	ip -n $GWB link set lo up
	ip -n $GWB addr add 10.0.0.2/32 dev lo
	conf gwb standby
	start gwb $GWB
	# the auto probe runs charon --version of this release (in its root)
	printf '#!/bin/sh\nexec chroot %s /usr/lib/ipsec/charon "$@"\n' "$ROOT" > "$OUT/charon-bin"
	chmod +x "$OUT/charon-bin"
	# shellcheck disable=SC2154
	ip netns exec $GWB "$XFRMCTX_IKE" replay --file "$OUT/rec.ike" --listen 127.0.0.2 \
		--charon 127.0.0.1 --fifo "/proc/$pid_gwb/root/run/charon.ha" --activate \
		--charon-bin "$OUT/charon-bin" > "$OUT/replay.out" 2> "$OUT/replay.log" || true
	cat "$OUT/replay.out" "$OUT/replay.log"
	swan gwb $GWB --list-sas --raw > "$OUT/gwb.sas" || true
	ok=1
	if [ $PQ = 1 ]; then ikes="pq pqi" want="ike_sas 2 children 2"; else ikes=rw want="ike_sas 1 children 1"; fi
	for ike in $ikes; do
	child=${ike}net
	[ $ike = rw ] && child=net
	spis() { sed -n "s/.*{$ike {.* state=\([A-Z]*\) .*initiator-spi=\([0-9a-f]*\) responder-spi=\([0-9a-f]*\) .*/\1 \2 \3/p" "$1"; }
	echo "$ike gw:  $(spis "$OUT/gw.sas")"
	echo "$ike gwb: $(spis "$OUT/gwb.sas")"
	[ -n "$(spis "$OUT/gw.sas")" ] && [ "$(spis "$OUT/gw.sas")" = "$(spis "$OUT/gwb.sas")" ] || ok=0
	for dir in in out; do
		spi=$(sed -n "s/.*{$child-[0-9]* {.* spi-$dir=\([0-9a-f]*\) .*/\1/p" "$OUT/gw.sas")
		if [ $dir = in ]; then src=10.0.0.1 dst=10.0.0.2; else src=10.0.0.2 dst=10.0.0.1; fi
		a=$(ip -n $GW xfrm state get src $src dst $dst proto esp spi 0x$spi 2>/dev/null | grep -E '^\s+(aead|enc|auth|auth-trunc) ' || true)
		b=$(ip -n $GWB xfrm state get src $src dst $dst proto esp spi 0x$spi 2>/dev/null | grep -E '^\s+(aead|enc|auth|auth-trunc) ' || true)
		echo "$child $dir spi $spi: gw key ${a:+present} gwb key ${b:+present} $([ -n "$a" ] && [ "$a" = "$b" ] && echo equal || echo DIFFERENT)"
		[ -n "$a" ] && [ "$a" = "$b" ] || ok=0
	done
	done
	grep -q "^replay $want " "$OUT/replay.out" || ok=0
	[ $PQ = 0 ] || grep -q 'key update 1 (IKE_INTERMEDIATE)' "$OUT/replay.log" || ok=0
	cp "$ROOT/xc/gwb/charon.log" "$OUT/gwb.log"
	[ $ok = 1 ] && echo "REPLAY PASS" || echo "REPLAY FAIL"
fi
kill $tcpd; wait $tcpd || true
ls "$OUT"/*.bin | wc -l
if [ -n "$PRINT" ]; then
	echo BEGIN-CAPTURE
	tar -C "$OUT" -cz . | base64
	echo END-CAPTURE
fi
