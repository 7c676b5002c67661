#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the trixie userland (selftests/vm/run --userland trixie,
# which boots the trixie root of scripts/trixie-root instead of this
# machine's): Debian 13's own daemons are the ones installed, and the
# whole-tunnel test under keepalived passes with its charon 6.0.1 and
# keepalived 2.3 (ha_node_keepalived.sh: two gateways with charon and
# xfrmctxd, a charon peer, switchover, crash and fail-back). Not in
# TEST_PROGS: on the host's userland it could only skip.
#
#   selftests/vm/run --kernel 7.x --userland trixie selftests/userland_trixie.sh
. "$(dirname "$0")/lib.sh"

[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (selftests/vm/run --userland trixie)"
grep -q '^13\.' /etc/debian_version 2>/dev/null ||
	skip "not a Debian 13 userland (selftests/vm/run --userland trixie)"
log "Debian $(cat /etc/debian_version), kernel $(uname -r)"

v=$(/usr/lib/ipsec/charon --version 2>&1 | head -n1)
log "$v"
check "charon is strongSwan 6" grep -q '^strongSwan 6\.' <<<"$v"
v=$(keepalived --version 2>&1 | head -n1)
log "$v"
check "keepalived is 2.3" grep -q '^Keepalived v2\.3\.' <<<"$v"
v=$(ip -V)
log "$v"
check "iproute2 is 6.15 or later" grep -qE 'iproute2-(6\.(1[5-9]|[2-9][0-9])|[7-9])' <<<"$v"

"$XC_TOP/selftests/ha_node_keepalived.sh"
rc=$?
check_eq "ha_node_keepalived.sh with Debian 13's charon and keepalived" 0 "$rc"
