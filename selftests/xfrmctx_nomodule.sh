#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Without the xfrm_ctx module (not loaded, and module loading blocked),
# `xfrmctx state export` and `import` still hand a tunnel over, through the
# standard XFRM netlink (GETSA, then NEWSA with the replay state, the jumps
# applied in userspace), and say once on stderr that this is not atomic.
# What needs the module (freeze, staged import) is refused by name, and the
# tool says why the module is missing on this host and what to do.
# First of all: the module is not loaded until something uses its family,
# and then the kernel loads it by itself (MODULE_ALIAS_GENL_FAMILY).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

[ -n "${XC_IN_VM:-}" ] || skip "kernel tests run only in the VM (selftests/vm/run)"
topo_setup

OUT_JUMP=500
dir=$(mktemp -d)
on_exit rm -rf "$dir"
ctx=$dir/ctx

xc() {
	local ns=$1; shift
	echo "# [$ns] xfrmctx $*" >&2
	in_ns "$ns" "$XFRMCTX" "$@"
}

ping_ok() {
	in_ns "$1" ping -c "$2" -i 0.05 -W 1 -q -I 192.168.1.1 192.168.2.1 >/dev/null
}

check "the peer reaches 192.168.2.1 through gateway A" slowwait 10 ping_ok "$peer" 1
check "10 pings through A" ping_ok "$peer" 10

log "== the first command loads the module"
version=$(cat "$XC_TOP/VERSION")
lsmod | grep -q '^xfrm_ctx ' && run - rmmod xfrm_ctx
check "the module is not loaded" test ! -d /sys/module/xfrm_ctx
out=$("$XFRMCTX" --version); echo "$out" | sed 's/^/#   /'
check_eq "--version names the tool's release" "xfrmctx $version" "$(sed -n 1p <<<"$out")"
check_eq "and the library's" "libxfrmctx $version" "$(sed -n 2p <<<"$out")"
check_eq "and says the module is not loaded" "xfrm_ctx module: not loaded" "$(sed -n 3p <<<"$out")"
check "asking the version did not load it" test ! -d /sys/module/xfrm_ctx
xc "$gwA" state list-frozen >/dev/null || fail "list-frozen with the module unloaded"
check "the first xfrmctx command loaded it" test -d /sys/module/xfrm_ctx
check_eq "--version now names the module's release" "xfrm_ctx module $version" \
	"$("$XFRMCTX" --version | sed -n 3p)"
check_eq "xfrmctx-ike --version too" "xfrm_ctx module $version" \
	"$("$XC_TOP/build/helper/xfrmctx-ike" --version | sed -n 3p)"

# From here on nothing may load the module: the family's first user would.
lsmod | grep -q '^xfrm_ctx ' && rmmod xfrm_ctx
old_modprobe=$(cat /proc/sys/kernel/modprobe)
on_exit "echo $old_modprobe > /proc/sys/kernel/modprobe"
echo /bin/false > /proc/sys/kernel/modprobe
check "the generic netlink family is absent" eval '! genl ctrl get name xfrm_ctx >/dev/null 2>&1'

log "== refusals that name the module"
err=$(xc "$gwA" state export reqid "$TUN_REQID" freeze -o "$ctx" 2>&1); rc=$?
echo "$err" | sed 's/^/#   /'
check_eq "export with freeze fails" 1 "$rc"
check "and says freeze needs the module" grep -q 'freeze needs the xfrm_ctx module' <<<"$err"
check "and writes no file" test ! -e "$ctx"
err=$(xc "$gwA" state freeze reqid "$TUN_REQID" 2>&1); rc=$?
check_eq "freeze fails" 1 "$rc"
check "and says the family is missing" grep -q 'xfrm_ctx not found' <<<"$err"
echo "$err" | sed 's/^/#   /'
kver=$(uname -r)
check "and that the module is installed but did not load" \
	grep -q "xfrm_ctx module is installed for $kver but is not loaded" <<<"$err"
check "and to run modprobe" grep -q 'run "modprobe xfrm_ctx"' <<<"$err"
check "and that the kernel's module loader is /bin/false" \
	grep -q 'kernel.modprobe) is "/bin/false"' <<<"$err"
check "and that export and import work without it" grep -q 'not atomically' <<<"$err"

# A host without the module: this kernel's modules directory as a copy
# whose modules.dep does not list it, first without the headers DKMS needs,
# then with them.
nomod() {	# nomod HEADERS(0|1): xfrmctx info's stderr on such a host
	in_ns - unshare -m bash -c '
		d=/lib/modules/$(uname -r); t=$(mktemp -d)
		grep -v "/xfrm_ctx.ko" "$d/modules.dep" > "$t/modules.dep"
		[ "$1" = 1 ] && mkdir -p "$t/build" && : > "$t/build/Makefile"
		mount --bind "$t" "$d" && "$2" info 2>&1; rm -rf "$t"' - "$1" "$XFRMCTX"
}
err=$(nomod 0)
echo "$err" | sed 's/^/#   /'
check "without the module installed: says so" \
	grep -q "xfrm_ctx module is not installed for the running kernel $kver" <<<"$err"
check "and that the headers are missing, with the package to install" \
	grep -q "apt-get install linux-headers-$kver" <<<"$err"
check "and to install xfrm-ctx-dkms" grep -q 'install the xfrm-ctx-dkms package' <<<"$err"
err=$(nomod 1)
check "with headers: it names only the package" \
	eval '! grep -q linux-headers <<<"$err" && grep -q "dkms autoinstall -k $kver" <<<"$err"'

log "== export on A"
read -r oseqA _ < <(topo_counters "$gwA" "$SPI_IN")
xc "$gwA" state export reqid "$TUN_REQID" -o "$ctx" >"$dir/out" 2>"$dir/err" || fail "export without the module"
sed 's/^/#   /' "$dir/out" "$dir/err"
check_eq "export reports SAs and policies" "exported 2 SAs and 3 policies to $ctx" "$(cat "$dir/out")"
check_eq "it says once that the hand-over is not atomic" 1 "$(grep -c 'NOT atomic' "$dir/err")"
json=$("$XFRMCTX" -j context show -i "$ctx")
check_eq "the context says where it came from" "xfrm-netlink false" \
	"$(jq -r '"\(.source) \(.frozen)"' <<<"$json")"
check_eq "the snapshot holds A's output counter" "$oseqA" \
	"$(jq --arg s "$(printf 0x%08x "$SPI_IN")" '.sa[] | select(.spi == $s) | ."replay-oseq"' <<<"$json")"
check_eq "the snapshot keeps ESN and the window" "esn 128" \
	"$(jq -r '.sa[0] | "\(."replay-mode") \(."replay-window")"' <<<"$json")"

log "== import on B"
err=$(xc "$gwB" state import -i "$ctx" staged 2>&1); rc=$?
check_eq "a staged import fails" 1 "$rc"
check "and says it needs the module" grep -q 'staged import needs the xfrm_ctx module' <<<"$err"
check_eq "and changes nothing on B" 0 "$(ip -n "$gwB" xfrm state | grep -c '^src')"
check_eq "not even the policies" 0 "$(ip -n "$gwB" xfrm policy | grep -c '^src')"

xc "$gwB" state import -i "$ctx" out-jump "$OUT_JUMP" >"$dir/out" 2>"$dir/err" || fail "import without the module"
sed 's/^/#   /' "$dir/out" "$dir/err"
check_eq "import reports SAs and policies" "imported 2 SAs and 3 policies" "$(cat "$dir/out")"
check_eq "it says once that the hand-over is not atomic" 1 "$(grep -c 'NOT atomic' "$dir/err")"
read -r oseqB _ < <(topo_counters "$gwB" "$SPI_IN")
check_eq "B's output counter is A's plus the out-jump" "$((oseqA + OUT_JUMP))" "$oseqB"
check_eq "B's SAs kept the ESN window of 128" 2 \
	"$(ip -n "$gwB" xfrm state | grep -c 'replay_window 128, bitmap-length 4')"

log "== move the address, remove A's SAs, traffic through B"
topo_move_vip "$gwB" "$gwA"
run - ip -n "$gwA" xfrm state flush
check "the peer reaches 192.168.2.1 through gateway B" slowwait 10 ping_ok "$peer" 1
check "10 more pings, none lost" ping_ok "$peer" 10
read -r oseqB2 _ < <(topo_counters "$gwB" "$SPI_IN")
read -r _ seqPeer < <(topo_counters "$peer" "$SPI_IN")
check "B numbers its packets after the jump" test "$oseqB2" -ge $((oseqA + OUT_JUMP + 11))
check_eq "the peer accepted B's latest packet" "$oseqB2" "$seqPeer"

log "== a second import is refused and undone"
err=$(xc "$gwB" state import -i "$ctx" nopolicy 2>&1); rc=$?
echo "$err" | sed 's/^/#   /'
check_eq "importing existing SAs fails" 1 "$rc"
check "and names the SA" grep -q 'SA spi 0x' <<<"$err"
check_eq "B still has exactly its 2 SAs" 2 "$(ip -n "$gwB" xfrm state | grep -c '^src')"
exit $XC_RC
