#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unloading the module with frozen SAs in two namespaces thaws them (an
# "unloaded" event each), leaves `ip xfrm state` as it was, holds no
# reference, and the kernel log stays clean.
#
#     [ A: 2 SAs, frozen ]   [ B: 1 SA, frozen ]   -- rmmod xfrm_ctx -->  all live
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_xfrm.sh"

load_module
on_exit unload_module
setup_ns A B
GCM="aead rfc4106(gcm(aes)) 0x00112233445566778899aabbccddeeff01020304 128"
run "$A" ip xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 mode tunnel reqid 1 $GCM
run "$A" ip xfrm state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x200 mode tunnel reqid 1 $GCM
run "$B" ip xfrm state add src 10.0.0.3 dst 10.0.0.4 proto esp spi 0x300 mode tunnel reqid 2 $GCM
before_a=$(xfrm_dump "$A")
before_b=$(xfrm_dump "$B")

xc_must "$A" do freeze '{"reqid": 1, "lease": 600}' >/dev/null
xc_must "$B" do freeze '{"reqid": 2, "lease": 600}' >/dev/null
check_eq "two SAs frozen in A" 2 "$(xc "$A" dump list-frozen | jq length)"

events=$(mktemp)
in_ns "$A" $XCNL monitor 30 > "$events" 2> "$events.ready" &
mon=$!
on_exit "kill $mon 2>/dev/null; rm -f $events $events.ready"
slowwait 20 grep -q ready "$events.ready" || fail "event monitor did not start"

refs=$(awk '$1 == "xfrm_ctx" { print $3 }' /proc/modules)
check_eq "frozen SAs hold no module reference" 0 "$refs"
run - rmmod xfrm_ctx || die "rmmod with frozen SAs failed"
check "the module is gone" test ! -d /sys/module/xfrm_ctx
slowwait 10 test "$(grep -c '"event": 8' "$events")" -ge 2 ||
	fail "no unloaded events: $(cat "$events")"
check_eq "A's SAs are as before" "$before_a" "$(xfrm_dump "$A")"
check_eq "B's SA is as before" "$before_b" "$(xfrm_dump "$B")"

# Thawed means live: the SAs accept new configuration again (an ERROR
# state refuses `ip xfrm state update`).
run "$A" ip xfrm state update src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x100 mode tunnel \
	reqid 1 $GCM || fail "update of a thawed SA"
