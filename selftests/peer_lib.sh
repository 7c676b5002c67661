#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The road warrior of ike_lib.sh's topology, as one of two IKE
# implementations (PEER_IMPL): strongSwan's charon (default) or libreswan's
# pluto, unpacked by scripts/setup-libreswan into a private root (it
# conflicts with strongSwan's packages) and run in its own mount namespace
# with that root's /usr/libexec/ipsec bound where pluto looks for addconn.
# Both probe liveness every 2 s (DPD), as real peers do.
#
#   peer_setup NS        configure and start it, wait until it listens
#   peer_initiate        bring the tunnel up to the VIP
#   peer_ike             "ESTABLISHED ID" of its newest IKE SA (ID: the SPIs
#                        for charon, pluto's serial "#N"), or nothing
#   peer_rekey child|ike rekey from the peer
#   peer_deletes         Delete payloads it received so far

PEER_IMPL=${PEER_IMPL:-strongswan}
LSW_ROOT=${LSW_ROOT:-/var/cache/xfrm-ctx/libreswan/root}

peer_require() {
	if [ "$PEER_IMPL" = libreswan ]; then
		[ -x "$LSW_ROOT/usr/libexec/ipsec/pluto" ] ||
			skip "libreswan is not unpacked in $LSW_ROOT (scripts/setup-libreswan)"
		command -v certutil >/dev/null || skip "certutil is missing (libnss3-tools)"
	fi
}

lsw_whack() { ip netns exec "$peer" "$LSW_ROOT/usr/libexec/ipsec/whack" --ctlsocket "$IKE_DIR/lsw/run/pluto.ctl" "$@"; }

peer_setup() {
	local ns=$1 d=$IKE_DIR/lsw lx=$LSW_ROOT/usr/libexec/ipsec
	if [ "$PEER_IMPL" != libreswan ]; then
		ike_conf peer peer psk none
		ike_start peer "$ns"
		return
	fi
	mkdir -p "$d/nss" "$d/run"
	cat > "$d/ipsec.conf" <<EOC
config setup
	logfile=$d/pluto.log
	logtime=yes
conn rw
	ikev2=insist
	left=10.0.0.1
	leftid=@peer.example.org
	leftsubnet=192.168.1.0/24
	right=$IKE_VIP
	rightid=@gw.example.org
	rightsubnet=192.168.2.0/24
	authby=secret
	ike=aes_gcm256-sha2_256-dh19
	esp=aes_gcm256-null-dh19
	pfs=yes
	esn=yes
	dpddelay=2
	dpdtimeout=30
	dpdaction=restart
	leftupdown=%disabled
	auto=add
EOC
	echo "@peer.example.org @gw.example.org : PSK $IKE_PSK" > "$d/ipsec.secrets"
	chmod 600 "$d/ipsec.secrets"
	certutil -N -d "sql:$d/nss" --empty-password || die "cannot create pluto's NSS database"
	echo "# [$ns] pluto (libreswan $(basename "$(dirname "$(dirname "$LSW_ROOT")")"))"
	ip netns exec "$ns" unshare -m sh -c "mount -t tmpfs none /usr/libexec && mkdir /usr/libexec/ipsec &&
		mount --bind $lx /usr/libexec/ipsec && mount -t tmpfs none /run &&
		exec $lx/pluto --nofork --config $d/ipsec.conf --secretsfile $d/ipsec.secrets \
			--nssdir $d/nss --rundir $d/run --ipsecdir $d" >"$d/stdout" 2>&1 &
	IKE_PID[peer]=$!
	IKE_NS[peer]=$ns
	slowwait 30 grep -q 'loading secrets' "$d/pluto.log" ||
		{ tail -n 20 "$d/stdout" "$d/pluto.log" | sed 's/^/#   /'; die "pluto did not start"; }
	on_exit '[ "$XC_RC" = 0 ] || { echo "# --- pluto.log"; tail -n 60 "$IKE_DIR/lsw/pluto.log" | sed "s/^/#   /"; }'
}

peer_initiate() {
	if [ "$PEER_IMPL" != libreswan ]; then
		ike_swan peer --initiate --child net --timeout 30
		return
	fi
	lsw_whack --name rw --initiate >"$IKE_DIR/lsw/initiate.log" 2>&1
	grep -q 'established Child SA' "$IKE_DIR/lsw/initiate.log"
}

peer_ike() {
	if [ "$PEER_IMPL" != libreswan ]; then
		echo "$(ike_sa_state peer) $(ike_sa_spis peer)" | awk 'NF == 3'
		return
	fi
	lsw_whack --showstates 2>/dev/null |
		sed -n 's/^000 \(#[0-9]*\): "rw".* STATE_V2_ESTABLISHED_IKE_SA .*newest.*/ESTABLISHED \1/p' | tail -n 1
}

peer_rekey() {
	if [ "$PEER_IMPL" != libreswan ]; then
		if [ "$1" = child ]; then rekey peer --child net; else rekey peer --ike rw; fi
		return
	fi
	lsw_whack --name rw "--rekey-$([ "$1" = child ] && echo ipsec || echo ike)" \
		>"$IKE_DIR/lsw/rekey.log" 2>&1
	grep -q 'rekeyed' "$IKE_DIR/lsw/rekey.log"
}

peer_deletes() {
	if [ "$PEER_IMPL" != libreswan ]; then
		grep -c 'received DELETE' "$IKE_DIR/peer/charon.log"
		return
	fi
	grep -c 'received Delete SA payload' "$IKE_DIR/lsw/pluto.log"
}
