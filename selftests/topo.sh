#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The HA topology of the demo and the hand-over tests (sourced after lib.sh):
#
#     192.168.1.1/24 (dummy)                 192.168.2.1/24 (dummy, on A and B)
#          [ peer ]                         [ gwA ]        [ gwB ]
#        10.0.0.1/24                         10.0.0.2       10.0.0.3
#             \_______________ [ lan: br0 ] ____/______________/
#                                              VIP 10.0.0.100 on A, later on B
#
# One ESP tunnel (mode tunnel, rfc4106(gcm(aes)), ESN, window 128) protects
# 192.168.1.0/24 <-> 192.168.2.0/24 between the peer (10.0.0.1) and the VIP.

VIP=10.0.0.100
TUN_REQID=1
SPI_OUT=0x1000a001	# peer -> VIP
SPI_IN=0x2000b001	# VIP -> peer
KEY_OUT=0x$(printf '%s' 0123456789abcdef0123456789abcdef01234567)
KEY_IN=0x$(printf '%s' fedcba9876543210fedcba9876543210fedcba98)

topo_setup() {
	setup_ns lan peer gwA gwB
	run - ip -n "$lan" link add br0 type bridge
	run - ip -n "$lan" link set br0 up
	local ns i=1
	for ns in "$peer" "$gwA" "$gwB"; do
		ip link add "v$i" netns "$ns" type veth peer name "p$i" netns "$lan"
		ip -n "$lan" link set "p$i" master br0 up
		ip -n "$ns" link set "v$i" name eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" addr add "10.0.0.$i/24" dev eth0
		ip -n "$ns" link add inner type dummy
		ip -n "$ns" link set inner up
		i=$((i + 1))
	done
	ip -n "$peer" addr add 192.168.1.1/24 dev inner
	ip -n "$gwA" addr add 192.168.2.1/24 dev inner
	ip -n "$gwB" addr add 192.168.2.1/24 dev inner
	run - ip -n "$gwA" addr add "$VIP/32" dev eth0
	ip -n "$peer" route add 192.168.2.0/24 via "$VIP" src 192.168.1.1
	local gw
	for gw in "$gwA" "$gwB"; do
		ip -n "$gw" route add 192.168.1.0/24 via 10.0.0.1 src 192.168.2.1
	done
	topo_tunnel "$peer" 10.0.0.1 "$VIP" 192.168.1.0/24 192.168.2.0/24 "$SPI_OUT" "$KEY_OUT" "$SPI_IN" "$KEY_IN"
	topo_tunnel "$gwA" "$VIP" 10.0.0.1 192.168.2.0/24 192.168.1.0/24 "$SPI_IN" "$KEY_IN" "$SPI_OUT" "$KEY_OUT"
}

# topo_tunnel NS LOCAL REMOTE LNET RNET SPI_OUT KEY_OUT SPI_IN KEY_IN
topo_tunnel() {
	local ns=$1 l=$2 r=$3 ln=$4 rn=$5 so=$6 ko=$7 si=$8 ki=$9
	local common=(proto esp mode tunnel reqid "$TUN_REQID" replay-window 128 flag esn
		      aead 'rfc4106(gcm(aes))')
	run "$ns" ip xfrm state add src "$l" dst "$r" spi "$so" "${common[@]}" "$ko" 128
	run "$ns" ip xfrm state add src "$r" dst "$l" spi "$si" "${common[@]}" "$ki" 128
	topo_policies "$ns" "$l" "$r" "$ln" "$rn"
}

topo_policies() {
	local ns=$1 l=$2 r=$3 ln=$4 rn=$5
	ip -n "$ns" xfrm policy add src "$ln" dst "$rn" dir out \
		tmpl src "$l" dst "$r" proto esp mode tunnel reqid "$TUN_REQID"
	ip -n "$ns" xfrm policy add src "$rn" dst "$ln" dir in \
		tmpl src "$r" dst "$l" proto esp mode tunnel reqid "$TUN_REQID"
	ip -n "$ns" xfrm policy add src "$rn" dst "$ln" dir fwd \
		tmpl src "$r" dst "$l" proto esp mode tunnel reqid "$TUN_REQID"
}

# Move the VIP to namespace $1 from namespace $2 and tell the LAN.
topo_move_vip() {
	local to=$1 from=$2
	run - ip -n "$from" addr del "$VIP/32" dev eth0
	run - ip -n "$to" addr add "$VIP/32" dev eth0
	ip netns exec "$to" busybox arping -q -U -c 1 -I eth0 -s "$VIP" "$VIP" || true
}

# ESP replay counters of the SA with SPI $2 in namespace $1, printed as
# "oseq seq" (64-bit: ESN high words included).
topo_counters() {
	local line sh s oh o
	line=$(ip -n "$1" xfrm state list spi "$2" | grep -m1 'seq-hi')
	sh=$(sed -n 's/.* seq-hi \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
	s=$(sed -n 's/.*, seq \(0x[0-9a-f]*\).*/\1/p' <<<"$line")
	oh=$(sed -n 's/.*oseq-hi \(0x[0-9a-f]*\),.*/\1/p' <<<"$line")
	o=$(sed -n 's/.*, oseq \(0x[0-9a-f]*\).*/\1/p' <<<"$line")
	echo "$(( (oh << 32) + o )) $(( (sh << 32) + s ))"
}
