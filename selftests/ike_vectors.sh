#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Not a selftest: captures real HA datagrams from an unmodified charon for
# the host unit tests (helper/tests/ike_vectors/). Run it in the VM and
# extract the vectors from its output on the host:
#
#   selftests/vm/run --kernel 6.1 selftests/ike_vectors.sh | tee /tmp/v.log
#   helper/tests/ike_vectors/extract < /tmp/v.log
#
# Gateway A streams to a recorder with --dump-dir while the peer brings up
# an IKEv2 tunnel, sends traffic, rekeys the CHILD_SA (with PFS) and the
# IKE_SA (each from both sides), brings up and deletes an IKEv1 SA (for IKE_IV and the IKEv1
# attributes), and A's segment is dropped and taken through its FIFO.
# Every datagram is printed as "VECTOR <n> <hex>".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ike_lib.sh"

[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM"
ike_require
ike_topo

ike_conf peer peer psk none
ike_conf gwA gw psk "10.0.0.2 10.0.0.3 yes yes"
# an IKEv1 connection next to "rw" on both sides
for n in peer gwA; do
	if [ $n = peer ]; then l=10.0.0.1 r=$IKE_VIP lt=192.168.1.1/32 rt=192.168.2.1/32
	else l=$IKE_VIP r=10.0.0.1 lt=192.168.2.1/32 rt=192.168.1.1/32; fi
	cat >> "$IKE_DIR/$n/swanctl/swanctl.conf" <<EOF
connections {
	v1 {
		version = 1
		local_addrs = $l
		remote_addrs = $r
		proposals = aes256-sha256-modp2048
		local { auth = psk
			id = $([ $n = peer ] && echo peer || echo gw).example.org }
		remote { auth = psk
			id = $([ $n = peer ] && echo gw || echo peer).example.org }
		children { v1net { local_ts = $lt[tcp/7]
			remote_ts = $rt[tcp/7]
			esp_proposals = aes256gcm16 } }
	}
}
EOF
done

dumps=$IKE_DIR/dumps
mkdir -p "$dumps"
ip netns exec "$gwB" "$XFRMCTX_IKE" record --listen 10.0.0.3 --charon 10.0.0.2 \
	--file "$IKE_DIR/rec.ike" --dump-dir "$dumps" --insecure 2>"$IKE_DIR/rec.log" &
rec=$!
on_exit "kill $rec 2>/dev/null; wait $rec 2>/dev/null"
slowwait 5 test -s "$IKE_DIR/rec.ike" || die "recorder did not start"

ike_start gwA "$gwA"
ike_start peer "$peer"
sleep 3		# RESYNC and a few STATUS heartbeats

check "peer initiates rw" ike_swan peer --initiate --child net --timeout 30
check "ping through the tunnel" ip netns exec "$peer" ping -c 3 -i 0.2 -W 2 -I 192.168.1.1 192.168.2.1
check "peer rekeys the CHILD_SA" ike_swan peer --rekey --child net
sleep 1
check "peer rekeys the IKE_SA" ike_swan peer --rekey --ike rw
sleep 1
# A as initiator: IKE_MID_INITIATOR, a CHILD_ADD with the initiator flag
check "A rekeys the CHILD_SA" ike_swan gwA --rekey --child net
sleep 1
check "A rekeys the IKE_SA" ike_swan gwA --rekey --ike rw
sleep 1
check "peer terminates rw" ike_swan peer --terminate --ike rw --timeout 10
sleep 1
# IKEv1 after rw is gone: its INITIAL_CONTACT would replace rw
check "peer initiates the IKEv1 SA" ike_swan peer --initiate --child v1net --timeout 30
sleep 1
check "peer terminates the IKEv1 SA" ike_swan peer --terminate --ike v1 --timeout 10
ike_segment gwA -1
sleep 0.5
ike_segment gwA +1
sleep 1.5

kill -TERM $rec; wait $rec
sed 's/^/# rec: /' "$IKE_DIR/rec.log"
for f in "$dumps"/*.bin; do
	echo "VECTOR $(basename "$f" .bin) $(od -An -tx1 -v "$f" | tr -d ' \n')"
done
"$XFRMCTX_IKE" parse "$dumps"/*.bin | sed 's/^/# /'
sed "s/^/# gwA: /" "$IKE_DIR/gwA/charon.log"
sed "s/^/# peer: /" "$IKE_DIR/peer/charon.log"
exit 0
