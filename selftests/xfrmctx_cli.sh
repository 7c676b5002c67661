#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The xfrmctx command line around the hand-over: help, usage errors that
# name the wrong word (exit 2, nothing changed), the kernel's refusals
# (exit 1, its message), corrupt or truncated contexts refused with nothing
# imported, a failed export that thaws what it froze, staged import and
# thaw, import onto existing SAs, update, export | import through a pipe,
# and `monitor -j` events checked with jq.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/xfrmctx_lib.sh"

load_module
on_exit unload_module
setup_ns a b c d e
# The gateway's half of the topology's tunnel; no traffic is needed here.
topo_tunnel "$a" "$VIP" 10.0.0.1 192.168.2.0/24 192.168.1.0/24 "$SPI_IN" "$KEY_IN" "$SPI_OUT" "$KEY_OUT"

dir=$(mktemp -d)
on_exit rm -rf "$dir"
ctx=$dir/ctx

# expect RC NEEDLE NS ARGS...: xfrmctx exits RC and says NEEDLE on stderr.
expect() {
	local rc=$1 needle=$2 ns=$3 err got; shift 3
	err=$(xc "$ns" "$@" 2>&1 >/dev/null); got=$?
	echo "#   $err"
	check_eq "exit code of: $*" "$rc" "$got"
	check "message of: $* names \"$needle\"" xc_contains "$err" "$needle"
}

log "== help"
out=$(xc - help)
check "xfrmctx help lists the state commands" xc_contains "$out" "xfrmctx state {"
out=$(xc - state help)
check "xfrmctx state help gives the export grammar" xc_contains "$out" "state export ID... | reqid R | all"

log "== usage errors: exit 2, the wrong word named, nothing changed"
expect 2 '"0xzz" is wrong' "$a" state freeze dst 10.0.0.1 proto esp spi 0xzz
expect 2 '"frezze" is wrong' "$a" state export reqid 1 frezze -o "$ctx"
check "no context file was written" test ! -e "$ctx"
expect 2 '"-1" is wrong' "$a" state import -i "$ctx" out-jump -1
expect 2 'only with freeze' "$a" state export reqid 1 lease 10 -o "$ctx"
expect 2 'state dance' "$a" state dance
expect 2 'unknown option "-x"' "$a" -x state list-frozen
expect 2 'has no spi' "$a" state thaw dst 10.0.0.1 proto esp
check_eq "nothing is frozen" "[]" "$(xc "$a" -j state list-frozen)"

log "== the kernel's refusals: exit 1, its message"
expect 1 'no SA with reqid 99' "$a" state freeze reqid 99
expect 1 'is not frozen' "$a" state thaw src "$VIP" dst 10.0.0.1 proto esp spi "$SPI_IN"
expect 1 'no SA' "$a" state export dst 10.0.0.1 proto esp spi 0x1234 -o "$ctx"
check "no context file was written" test ! -e "$ctx"

log "== a failed export thaws what it froze"
expect 1 "$dir/missing/ctx" "$a" state export reqid 1 freeze -o "$dir/missing/ctx"
check_eq "the SAs are not left frozen" "[]" "$(xc "$a" -j state list-frozen)"

log "== a refused export leaves what others froze frozen"
# As an HA daemon leaves them in the middle of a hand-over: thawing them
# would let two nodes carry the tunnel.
xc "$a" state freeze reqid 1 >/dev/null || fail "freeze"
expect 1 'already frozen' "$a" state export reqid 1 freeze -o "$dir/refused"
check_eq "both SAs are still frozen" 2 "$(xc "$a" -j state list-frozen | jq length)"
check "no context file was written" test ! -e "$dir/refused"
xc "$a" state thaw reqid 1 >/dev/null || fail "thaw"

log "== corrupt contexts: refused, nothing imported"
xc "$a" state export reqid 1 -o "$ctx" >/dev/null || fail "export"
size=$(stat -c %s "$ctx")
cp "$ctx" "$dir/flipped"
printf '\x5a' | dd of="$dir/flipped" bs=1 seek=200 conv=notrunc status=none
head -c $((size - 10)) "$ctx" > "$dir/truncated"
echo "src 10.0.0.1 dst 10.0.0.100" > "$dir/text"
chmod 600 "$dir/truncated" "$dir/text"	# the mode check comes first (below)
expect 1 'checksum mismatch' "$b" state import -i "$dir/flipped"
expect 1 'truncated' "$b" state import -i "$dir/truncated"
expect 1 'wrong magic' "$b" state import -i "$dir/text"
expect 1 'checksum mismatch' "$b" context show -i "$dir/flipped"
check_eq "b has no SA and no policy" "0 0" "$(xc_count "$b" state) $(xc_count "$b" policy)"

log "== a context file others can read is refused, with the chmod to run"
chmod 640 "$ctx"
expect 1 "has mode 0640: others may read the keys; chmod 600 $ctx" "$b" state import -i "$ctx"
expect 1 "chmod 600 $ctx" "$b" context show -i "$ctx"
check_eq "b still has no SA and no policy" "0 0" "$(xc_count "$b" state) $(xc_count "$b" policy)"
chmod 600 "$ctx"

log "== staged import, thaw"
# $ctx was exported live: without an out-jump only live-snapshot imports it
expect 1 'snapshot of a live SA needs an out-jump' "$b" state import -i "$ctx" staged lease 30
out=$(xc "$b" state import -i "$ctx" staged lease 30 live-snapshot)
check_eq "staged import" "imported 2 SAs and 3 policies (staged: frozen)" "$out"
frozen=$(xc "$b" -j state list-frozen reqid 1)
check_eq "JSON list-frozen: 2 staged SAs" "2 true" "$(jq -r '"\(length) \(all(.[]; .staged))"' <<<"$frozen")"
check_eq "thaw" "thawed 2 SAs" "$(xc "$b" state thaw reqid 1)"
check_eq "nothing is frozen on b" "[]" "$(xc "$b" -j state list-frozen)"

log "== import onto existing SAs"
expect 1 'exists already' "$b" state import -i "$ctx" live-snapshot
expect 1 'import' "$b" state import -i "$ctx" nopolicy live-snapshot
check_eq "b still has 2 SAs and 3 policies" "2 3" "$(xc_count "$b" state) $(xc_count "$b" policy)"
check_eq "replace" "imported 2 SAs and 3 policies" "$(xc "$b" state import -i "$ctx" replace live-snapshot)"

log "== update: counters only, forward"
check_eq "update" "updated 2 SAs" "$(xc "$b" state update -i "$ctx" out-jump 7)"
read -r o _ < <(xc_counters "$b" "$SPI_IN")
check_eq "the output counter moved to the context's plus 7" 7 "$o"

log "== export | import through a pipe"
out=$(xc "$a" state export reqid 1 | xc "$c" -j state import nopolicy live-snapshot)
check_eq "JSON import from stdin" "2 0" "$(jq -r '"\(.imported.sa) \(.imported.policy)"' <<<"$out")"

log "== export all"
check_eq "export all" "exported 2 SAs and 3 policies to $dir/all" "$(xc "$a" state export all -o "$dir/all")"

check_eq "export ID policy: the SA and the policies of its reqid" \
	"exported 1 SA and 3 policies to $dir/one" \
	"$(xc "$a" state export src "$VIP" dst 10.0.0.1 proto esp spi "$SPI_IN" policy -o "$dir/one")"
# Several IDs are one doit, answered by one message that holds every SA.
check_eq "export of two IDs: both SAs" "exported 2 SAs and 0 policies to $dir/two" \
	"$(xc "$a" state export src "$VIP" dst 10.0.0.1 proto esp spi "$SPI_IN" \
		src 10.0.0.1 dst "$VIP" proto esp spi "$SPI_OUT" -o "$dir/two")"
check_eq "the two SAs' SPIs" "$SPI_OUT $SPI_IN" \
	"$(xc - -j context show -i "$dir/two" | jq -r '[.sa[].spi] | sort | join(" ")')"

log "== more SAs than one request carries: imported all or nothing"
n=600	# about 450 bytes each: more than the 192 KiB xfrmctx puts in one request
for ((i = 1; i <= n; i++)); do
	printf 'xfrm state add src 10.1.0.1 dst 10.2.0.1 spi %d proto esp mode tunnel reqid 7 replay-window 64 flag esn aead rfc4106(gcm(aes)) %s 128\n' \
		$((0x30000000 + i)) "$KEY_IN"
done > "$dir/batch"
run - ip -n "$d" -batch "$dir/batch" || fail "creating $n SAs"
out=$(xc "$d" state export reqid 7 freeze -o "$dir/many")
check_eq "export of $n SAs" "exported $n SAs and 0 policies to $dir/many (frozen)" "$out"
check_eq "import of $n SAs in several requests" "imported $n SAs and 0 policies" \
	"$(xc "$e" state import -i "$dir/many")"
check_eq "all of them are live" "$n []" "$(xc_count "$e" state) $(xc "$e" -j state list-frozen)"
# One SA in the way: the import must leave nothing behind.
run - ip -n "$e" xfrm state flush
run - ip -n "$e" xfrm state add src 10.1.0.1 dst 10.2.0.1 spi $((0x30000000 + n)) proto esp \
	mode tunnel reqid 7 replay-window 64 flag esn aead 'rfc4106(gcm(aes))' "$KEY_IN" 128
expect 1 'exists already' "$e" state import -i "$dir/many"
check_eq "the refused import left only the SA that was in the way" "1 []" \
	"$(xc_count "$e" state) $(xc "$e" -j state list-frozen)"
xc "$d" state thaw reqid 7 >/dev/null

log "== pretty JSON"
out=$(xc - -j -p context show -i "$ctx")
check "-p indents" xc_contains "$out" $'{\n    "format": "1.0"'

log "== monitor"
# Not through in_ns: $! must be the monitor itself (ip netns exec execs it),
# not a subshell whose death leaves the monitor running.
ip netns exec "$a" "$XFRMCTX" -j monitor > "$dir/events" &
mon=$!
on_exit "kill $mon 2>/dev/null"
# The monitor subscribes asynchronously: repeat until it saw both.
saw_both() {
	local ev
	xc "$a" state freeze reqid 1 >/dev/null && xc "$a" state thaw reqid 1 >/dev/null || return 1
	ev=$(<"$dir/events")
	[[ $ev == *'"event":"frozen"'* && $ev == *'"event":"thawed"'* ]]
}
check "monitor reports a freeze and a thaw" slowwait 10 saw_both
kill "$mon"
wait "$mon" 2>/dev/null
while read -r l; do echo "# event: $l"; done < "$dir/events"
check_eq "JSON events name the SAs of reqid 1" "frozen,thawed 1 $(printf 0x%08x "$SPI_IN")" \
	"$(jq -rs '"\([.[].event] | unique | join(",")) \([.[].reqid] | unique | join(",")) \([.[].spi] | sort | last)"' "$dir/events")"
exit $XC_RC
