#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A live tunnel moves from gateway A to gateway B with nothing but xfrmctx:
# `state export reqid 1 freeze` on A (SAs and the in/out/fwd policies into a
# 0600 context file, keys hidden from every output), `state import out-jump`
# on B, the VIP moves, `state release` on A. The peer's pings go on through
# B, whose packets are numbered from A's counter plus the jump; the in-jump
# is checked on a spare namespace. -j output is checked with jq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

load_module
on_exit unload_module
topo_setup
setup_ns spare

OUT_JUMP=1000
IN_JUMP=50
dir=$(mktemp -d)
on_exit rm -rf "$dir"
ctx=$dir/ctx

# xc NS ARGS...: xfrmctx in NS, the command echoed (to stderr, so that its
# output can be captured).
xc() {
	local ns=$1; shift
	echo "# [$ns] xfrmctx $*" >&2
	in_ns "$ns" "$XFRMCTX" "$@"
}

# ping_ok NS COUNT: COUNT echo requests from the peer's inner address, all answered.
ping_ok() {
	in_ns "$1" ping -c "$2" -i 0.05 -W 1 -q -I 192.168.1.1 192.168.2.1 >/dev/null
}

log "== traffic through gateway A"
check "the peer reaches 192.168.2.1 through gateway A" slowwait 10 ping_ok "$peer" 1
run "$peer" ping -c 20 -i 0.02 -q -I 192.168.1.1 192.168.2.1 | sed 's/^/#   /'
read -r oseqA _ < <(topo_counters "$gwA" "$SPI_IN")
read -r _ seqA < <(topo_counters "$gwA" "$SPI_OUT")
log "gateway A: outbound $SPI_IN oseq $oseqA, inbound $SPI_OUT seq $seqA"
check "gateway A sent and received over ESP" test "$oseqA" -ge 21 -a "$seqA" -ge 21

log "== export on A, frozen"
out=$(xc "$gwA" state export reqid "$TUN_REQID" freeze lease 60 -o "$ctx") ||
	fail "export on gateway A"
check_eq "export reports SAs and policies" "exported 2 SAs and 3 policies to $ctx (frozen)" "$out"
check_eq "the context file is private" 600 "$(stat -c %a "$ctx")"
check "no temporary file is left next to it" test "$(ls -A "$dir" | wc -l)" = 1

frozen=$(xc "$gwA" -j state list-frozen)
echo "$frozen" | sed 's/^/# list-frozen: /'
check_eq "both SAs of A are frozen" 2 "$(jq length <<<"$frozen")"
check_eq "the frozen SAs carry reqid 1" "1 1" "$(jq -r '[.[].reqid] | join(" ")' <<<"$frozen")"
check "the lease is counting down from 60 s" \
	jq -e 'all(.[]; ."lease-left-ms" > 0 and ."lease-left-ms" <= 60000)' <<<"$frozen" >/dev/null

text=$("$XFRMCTX" -s context show -i "$ctx")
json=$("$XFRMCTX" -j context show -i "$ctx")
echo "$text" | sed 's/^/# show: /'
check_eq "JSON: two SAs" 2 "$(jq '.sa | length' <<<"$json")"
check_eq "JSON: out, in and fwd policies" "fwd in out" \
	"$(jq -r '[.policy[].dir] | sort | join(" ")' <<<"$json")"
check_eq "JSON: written by the module, frozen" "module true" \
	"$(jq -r '"\(.source) \(.frozen)"' <<<"$json")"
check_eq "JSON: the snapshot holds A's output counter" "$oseqA" \
	"$(jq --arg s "$(printf 0x%08x "$SPI_IN")" '.sa[] | select(.spi == $s) | ."replay-oseq" + ."replay-oseq-hi" * 4294967296' <<<"$json")"
check_eq "JSON: the snapshot holds A's replay window top" "$seqA" \
	"$(jq --arg s "$(printf 0x%08x "$SPI_OUT")" '.sa[] | select(.spi == $s) | ."replay-seq" + ."replay-seq-hi" * 4294967296' <<<"$json")"
check_eq "JSON: ESN with a 128-packet window" "esn 128" \
	"$(jq -r '.sa[0] | "\(."replay-mode") \(."replay-window")"' <<<"$json")"
for key in "${KEY_IN#0x}" "${KEY_OUT#0x}"; do
	check "no key in the text output" eval '! grep -qi "$key" <<<"$text"'
	check "no key in the JSON output" eval '! grep -qi "$key" <<<"$json"'
done
check_eq "JSON: keys replaced by <hidden>" "<hidden>" "$(jq -r '.sa[0].aead.key' <<<"$json")"
revealed=$("$XFRMCTX" -j --reveal-keys context show -i "$ctx")
check_eq "--reveal-keys shows the key of $SPI_IN" "$KEY_IN" \
	"$(jq -r --arg s "$(printf 0x%08x "$SPI_IN")" '.sa[] | select(.spi == $s) | .aead.key' <<<"$revealed")"

log "== the in-jump, on a spare namespace"
run "$spare" "$XFRMCTX" state import -i "$ctx" in-jump "$IN_JUMP" nopolicy | sed 's/^/# /'
read -r o s < <(topo_counters "$spare" "$SPI_OUT")
check_eq "spare: the replay window moved ahead by the in-jump" "$((seqA + IN_JUMP))" "$s"
read -r o s < <(topo_counters "$spare" "$SPI_IN")
check_eq "spare: no out-jump asked, output counter as exported" "$oseqA" "$o"
check_eq "spare: no policies with nopolicy" 0 "$(ip -n "$spare" xfrm policy | grep -c '^src')"

log "== import on B, move the address, release A"
out=$(xc "$gwB" -j state import -i "$ctx" out-jump "$OUT_JUMP") || fail "import on B"
check_eq "JSON: import reports 2 SAs and 3 policies" "2 3" \
	"$(jq -r '"\(.imported.sa) \(.imported.policy)"' <<<"$out")"
read -r oseqB _ < <(topo_counters "$gwB" "$SPI_IN")
check_eq "B's output counter is A's plus the out-jump" "$((oseqA + OUT_JUMP))" "$oseqB"
check_eq "B has the policies of A" 3 "$(ip -n "$gwB" xfrm policy | grep -c '^src')"
check_eq "B's SAs are live, not frozen" 0 "$(in_ns "$gwB" "$XFRMCTX" -j state list-frozen | jq length)"
topo_move_vip "$gwB" "$gwA"
check_eq "release on A" "released 2 SAs" "$(xc "$gwA" state release reqid "$TUN_REQID")"
check_eq "A has no SA left" 0 "$(ip -n "$gwA" xfrm state | grep -c '^src')"

log "== traffic through gateway B"
check "the peer reaches 192.168.2.1 through gateway B" slowwait 10 ping_ok "$peer" 1
check "20 more pings, none lost" ping_ok "$peer" 20
read -r oseqB2 _ < <(topo_counters "$gwB" "$SPI_IN")
read -r _ seqPeer < <(topo_counters "$peer" "$SPI_IN")
log "B sent up to $oseqB2; the peer accepted up to $seqPeer"
check "B numbers its packets after the jump" test "$oseqB2" -ge $((oseqA + OUT_JUMP + 21))
check_eq "the peer accepted B's latest packet" "$oseqB2" "$seqPeer"
read -r _ seqB < <(topo_counters "$gwB" "$SPI_OUT")
check "B accepts the peer's packets after A's window top" test "$seqB" -ge $((seqA + 21))
exit $XC_RC
