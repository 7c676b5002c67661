#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared by every selftest (sourced): exit codes, namespaces with random
# names, commands echoed with the namespace they run in, polling waits, the
# module, and the kernel-log check that runs when a test exits.

ksft_pass=0
ksft_fail=1
ksft_skip=4

XC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XFRMCTX=${XFRMCTX:-$XC_TOP/build/helper/xfrmctx}
XC_TESTNAME=$(basename "$0" .sh)
XC_NS_LIST=()
XC_CLEANUPS=()
XC_RC=$ksft_pass

log() { echo "# $*"; }

# fail MESSAGE: record a failure and go on (the test ends with exit 1).
fail() {
	echo "# FAIL: $*"
	XC_RC=$ksft_fail
}

# die MESSAGE: fail and stop the test now.
die() {
	fail "$@"
	exit $ksft_fail
}

skip() {
	echo "# SKIP: $*"
	exit $ksft_skip
}

# run NS CMD...: run CMD in namespace NS ("-" for the test's own), echoing it.
run() {
	local ns=$1; shift
	if [ "$ns" = - ]; then
		echo "# [host] $*"
		"$@"
	else
		echo "# [$ns] $*"
		ip netns exec "$ns" "$@"
	fi
}

# in NS CMD...: the same, silently (for commands whose output is parsed).
in_ns() {
	local ns=$1; shift
	if [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1; shift
	if "$@"; then
		log "ok: $what"
	else
		fail "$what"
	fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		log "ok: $1 ($3)"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# on_exit CMD...: run CMD when the test exits, pass or fail, last first.
on_exit() { XC_CLEANUPS=("$*" "${XC_CLEANUPS[@]}"); }

# setup_ns VAR...: create one namespace per VAR with a random name, lo up,
# and store its name in VAR (as kselftest's setup_ns does).
setup_ns() {
	local var name
	for var in "$@"; do
		name="${var}-$(mktemp -u XXXXXX)"
		ip netns add "$name" || die "cannot create namespace $name"
		ip -n "$name" link set lo up
		XC_NS_LIST+=("$name")
		eval "$var=$name"
	done
}

cleanup_ns() {
	local ns pid
	for ns in "${XC_NS_LIST[@]}"; do
		# bash's kill: /bin/kill (procps) may be missing, and a survivor
		# holding the test's output pipe would hang the runner.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip -n "$ns" xfrm state flush 2>/dev/null
		ip -n "$ns" xfrm policy flush 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	XC_NS_LIST=()
}

# slowwait TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
slowwait() {
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
}

# The kernel log must show no WARNING, BUG, Oops, refcount, KASAN, lockdep
# or kmemleak complaint (the patterns: BAD_LOG in ksft.py).
check_dmesg() {
	local bad
	bad=$(python3 "$XC_TOP/selftests/ksft.py" check-dmesg) && return 0
	[ -n "$bad" ] || bad="(ksft.py check-dmesg failed)"
	echo "# FAIL: the kernel log shows trouble:"
	echo "$bad" | sed 's/^/#   /'
	return 1
}

load_module() {
	if [ -z "${XC_IN_VM:-}" ]; then
		skip "kernel tests run only in the VM (selftests/vm/run)"
	fi
	modprobe xfrm_ctx || die "modprobe xfrm_ctx failed"
}

unload_module() {
	if lsmod | grep -q '^xfrm_ctx '; then
		rmmod xfrm_ctx || fail "rmmod xfrm_ctx failed"
	fi
}

xc_exit() {
	local rc=$?
	local c
	[ "$rc" = 0 ] || [ "$rc" = $ksft_skip ] || XC_RC=$ksft_fail
	[ "$rc" = $ksft_skip ] && XC_RC=$ksft_skip
	for c in "${XC_CLEANUPS[@]}"; do
		eval "$c" || true
	done
	cleanup_ns
	if [ -n "${XC_IN_VM:-}" ]; then
		check_dmesg || XC_RC=$ksft_fail
		if [ "$XC_RC" != $ksft_skip ] && lsmod | grep -q '^xfrm_ctx '; then
			echo "# FAIL: the test left the xfrm_ctx module loaded"
			rmmod xfrm_ctx 2>/dev/null
			XC_RC=$ksft_fail
		fi
	fi
	exit $XC_RC
}
trap xc_exit EXIT
