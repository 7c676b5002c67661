#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of the trixie userland (selftests/vm/run --userland trixie,
# which boots the trixie root of scripts/trixie-root instead of this
# machine's): Debian 13's own daemons are the ones installed, and the
# keepalived fail-over test passes with its keepalived 2.3
# (ha_keepalived.py: VRRP between two gateways, the notify script moves the
# tunnel, the peer's traffic goes on). Not in TEST_PROGS: on the host's
# userland it could only skip.
#
# (The IKE tests do not pass here yet: strongSwan 6's ha plugin speaks HA
# protocol version 4, xfrmctx-ike version 3 only.)
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

"$XC_TOP/selftests/ha_keepalived.py"
rc=$?
check_eq "ha_keepalived.py with Debian 13's keepalived" 0 "$rc"
