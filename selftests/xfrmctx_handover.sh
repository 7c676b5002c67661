#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A live tunnel moves from gateway A to gateway B with nothing but xfrmctx:
# `state export reqid 1 freeze` on A (SAs and the in/out/fwd policies into a
# 0600 context file, keys hidden from every output), `state import out-jump`
# on B, the VIP moves, `state release` on A. The peer's pings go on through
# B, whose packets are numbered from A's counter plus the jump; the in-jump
# is checked on a spare namespace; -j output is checked with jq. Then the
# example program xfrmctx-handover, which uses only libxfrmctx.h, hands the
# tunnel back from B to A in one process. Last, the planned hand-over of an
# HA pair: B holds the SAs staged from an earlier snapshot of A, and the
# hand-over is A's frozen export, then `state update ... thaw` on B (counters
# and thaw in one step), then the VIP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/xfrmctx_lib.sh"

load_module
on_exit unload_module
topo_setup
setup_ns spare

OUT_JUMP=1000
IN_JUMP=50
BACK_JUMP=2000
dir=$(mktemp -d)
on_exit rm -rf "$dir"
ctx=$dir/ctx
spi_in=$(printf 0x%08x "$SPI_IN")	# A -> peer
spi_out=$(printf 0x%08x "$SPI_OUT")	# peer -> A

log "== traffic through gateway A"
check "the peer reaches 192.168.2.1 through gateway A" slowwait 10 xc_ping "$peer" 1
check "20 pings through A" xc_ping "$peer" 20
read -r oseqA _ < <(xc_counters "$gwA" "$SPI_IN")
read -r _ seqA < <(xc_counters "$gwA" "$SPI_OUT")
log "gateway A: outbound $spi_in oseq $oseqA, inbound $spi_out seq $seqA"
check "gateway A sent and received over ESP" test "$oseqA" -ge 21 -a "$seqA" -ge 21

log "== export on A, frozen"
out=$(xc "$gwA" state export reqid "$TUN_REQID" freeze lease 60 -o "$ctx") || fail "export on gateway A"
check_eq "export reports SAs and policies" "exported 2 SAs and 3 policies to $ctx (frozen)" "$out"
check_eq "the context file is private" 600 "$(stat -c %a "$ctx")"
check_eq "no temporary file is left next to it" "$ctx" "$(echo "$dir"/*)"

frozen=$(xc "$gwA" -j state list-frozen)
echo "# list-frozen: $frozen"
check_eq "JSON list-frozen: both SAs of A, reqid 1, lease under 60 s" "2 1,1 true" \
	"$(jq -r '"\(length) \([.[].reqid] | join(",")) \(all(.[]; ."lease-left-ms" > 0 and ."lease-left-ms" <= 60000))"' <<<"$frozen")"

text=$(xc - -s context show -i "$ctx")
json=$(xc - -j context show -i "$ctx")
echo "$text" | while IFS= read -r l; do echo "# show: $l"; done
check_eq "JSON context: 2 SAs, policies fwd in out, from the module, frozen" "2 fwd,in,out module true" \
	"$(jq -r '"\(.sa | length) \([.policy[].dir] | sort | join(",")) \(.source) \(.frozen)"' <<<"$json")"
check_eq "JSON context: A's counters, ESN, window 128" "$oseqA $seqA esn 128" \
	"$(jq -r --arg o "$spi_in" --arg i "$spi_out" '
		(.sa[] | select(.spi == $o) | ."replay-oseq" + ."replay-oseq-hi" * 4294967296) as $os |
		(.sa[] | select(.spi == $i) | ."replay-seq" + ."replay-seq-hi" * 4294967296) as $s |
		"\($os) \($s) \(.sa[0]."replay-mode") \(.sa[0]."replay-window")"' <<<"$json")"
for key in "${KEY_IN#0x}" "${KEY_OUT#0x}"; do
	check "no key in the text output" eval '! xc_contains "$text" "$key"'
	check "no key in the JSON output" eval '! xc_contains "$json" "$key"'
done
check_eq "JSON context: keys and IV salts replaced by <hidden>" "<hidden> <hidden>" \
	"$(jq -r '.sa[0].aead | "\(.key) \(."iv-salt")"' <<<"$json")"
revealed=$(xc - -j --reveal-keys context show -i "$ctx")
check_eq "--reveal-keys shows the key of $spi_in" "$KEY_IN" \
	"$(jq -r --arg s "$spi_in" '.sa[] | select(.spi == $s) | .aead.key' <<<"$revealed")"

log "== the in-jump, on a spare namespace"
xc "$spare" state import -i "$ctx" in-jump "$IN_JUMP" nopolicy >/dev/null || fail "import on spare"
read -r _ s < <(xc_counters "$spare" "$SPI_OUT")
check_eq "spare: the replay window moved ahead by the in-jump" "$((seqA + IN_JUMP))" "$s"
read -r o _ < <(xc_counters "$spare" "$SPI_IN")
check_eq "spare: without out-jump the output counter is as exported" "$oseqA" "$o"
check_eq "spare: no policies with nopolicy" 0 "$(xc_count "$spare" policy)"

log "== import on B, move the address, release A"
out=$(xc "$gwB" -j state import -i "$ctx" out-jump "$OUT_JUMP") || fail "import on B"
check_eq "JSON import: 2 SAs, 3 policies, not staged" "2 3 false" \
	"$(jq -r '"\(.imported.sa) \(.imported.policy) \(.staged)"' <<<"$out")"
read -r oseqB _ < <(xc_counters "$gwB" "$SPI_IN")
check_eq "B's output counter is A's plus the out-jump" "$((oseqA + OUT_JUMP))" "$oseqB"
check_eq "B has the policies of A" 3 "$(xc_count "$gwB" policy)"
check_eq "B's SAs are live, not frozen" "[]" "$(xc "$gwB" -j state list-frozen)"
topo_move_vip "$gwB" "$gwA"
check_eq "release on A" "released 2 SAs" "$(xc "$gwA" state release reqid "$TUN_REQID")"
check_eq "A has no SA left" 0 "$(xc_count "$gwA" state)"

log "== traffic through gateway B"
check "the peer reaches 192.168.2.1 through gateway B" slowwait 10 xc_ping "$peer" 1
check "20 more pings, none lost" xc_ping "$peer" 20
read -r oseqB _ < <(xc_counters "$gwB" "$SPI_IN")
read -r _ seqPeer < <(xc_counters "$peer" "$SPI_IN")
read -r _ seqB < <(xc_counters "$gwB" "$SPI_OUT")
log "B sent up to $oseqB; the peer accepted up to $seqPeer; B accepted up to $seqB"
check "B numbers its packets after the jump" test "$oseqB" -ge $((oseqA + OUT_JUMP + 21))
check_eq "the peer accepted B's latest packet" "$oseqB" "$seqPeer"
check "B accepts the peer's packets after A's window top" test "$seqB" -ge $((seqA + 21))

log "== back to A with the library alone (xfrmctx-handover)"
check "the example program exists" test -x "$XFRMCTX_HANDOVER"
run - "$XFRMCTX_HANDOVER" "$gwB" "$gwA" "$TUN_REQID" "$BACK_JUMP" | sed 's/^/#   /'
check_eq "B has no SA left" 0 "$(xc_count "$gwB" state)"
check_eq "A has 2 SAs and 3 policies" "2 3" "$(xc_count "$gwA" state) $(xc_count "$gwA" policy)"
read -r oseqA2 _ < <(xc_counters "$gwA" "$SPI_IN")
check_eq "A's output counter is B's plus the jump" "$((oseqB + BACK_JUMP))" "$oseqA2"
topo_move_vip "$gwA" "$gwB"
check "the peer reaches 192.168.2.1 through gateway A again" slowwait 10 xc_ping "$peer" 1
check "10 more pings, none lost" xc_ping "$peer" 10
read -r _ seqPeer < <(xc_counters "$peer" "$SPI_IN")
check "the peer accepted A's packets after the second jump" test "$seqPeer" -ge $((oseqB + BACK_JUMP + 11))

log "== planned hand-over to B onto SAs staged beforehand: update ... thaw"
STAGE_JUMP=3000
pre=$dir/pre
xc "$gwA" state export reqid "$TUN_REQID" -o "$pre" >/dev/null || fail "snapshot of A for staging"
check_eq "B stages A's SAs (and policies) from the snapshot" "imported 2 SAs and 3 policies (staged: frozen)" \
	"$(xc "$gwB" state import -i "$pre" staged lease 60 replace live-snapshot)"
check "10 pings through A while B holds the staged SAs" xc_ping "$peer" 10
read -r oseqA3 _ < <(xc_counters "$gwA" "$SPI_IN")
err=$(xc "$gwA" state update -i "$pre" out-jump 5 thaw 2>&1 >/dev/null); rc=$?
echo "#   $err"
check_eq "update with thaw on live SAs (A's own) fails" 1 "$rc"
check "and says why" xc_contains "$err" "is not frozen, so update cannot thaw it"
read -r oseq _ < <(xc_counters "$gwA" "$SPI_IN")
check "and moved no counter" test "$oseq" -lt $((oseqA3 + 5))
xc "$gwA" state export reqid "$TUN_REQID" freeze lease 60 -o "$ctx" >/dev/null || fail "frozen export on A"
read -r oseqA3 _ < <(xc_counters "$gwA" "$SPI_IN")
check_eq "B: update and thaw in one command" "updated and thawed 2 SAs" \
	"$(xc "$gwB" state update -i "$ctx" out-jump "$STAGE_JUMP" thaw)"
check_eq "B's SAs are live" "[]" "$(xc "$gwB" -j state list-frozen)"
read -r oseqB3 _ < <(xc_counters "$gwB" "$SPI_IN")
check_eq "B's output counter is A's frozen one plus the jump" "$((oseqA3 + STAGE_JUMP))" "$oseqB3"
topo_move_vip "$gwB" "$gwA"
check_eq "release on A" "released 2 SAs" "$(xc "$gwA" state release reqid "$TUN_REQID")"
check "the peer reaches 192.168.2.1 through gateway B" slowwait 10 xc_ping "$peer" 1
check "10 more pings through B, none lost" xc_ping "$peer" 10
read -r _ seqPeer < <(xc_counters "$peer" "$SPI_IN")
check "the peer accepted B's packets after the jump" test "$seqPeer" -ge $((oseqA3 + STAGE_JUMP + 11))
exit $XC_RC
