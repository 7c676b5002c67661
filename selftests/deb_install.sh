#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages on a gateway (issue 17): `make deb`'s .debs are
# installed with dpkg into a chroot of this machine's root (an overlay: the
# writes land in a tmpfs), where the xfrm-ctx-dkms postinst has DKMS build
# the module for the running kernel from the headers installed there. The
# module DKMS built loads in this kernel and carries VERSION; the packaged
# xfrmctx talks to it; the packaged library builds and runs the example
# with the pkg-config line of libxfrmctx(3); purging removes the module.
# Not in the default list: `make deb-check` builds the packages and runs it.
. "$(dirname "$0")/lib.sh"

[ -n "${XC_IN_VM:-}" ] || skip "runs only in the VM (make deb-check)"
version=$(cat "$XC_TOP/VERSION")
kver=$(uname -r)
debs=("$XC_TOP"/build/deb/*_"$version"-*.deb)
[ -e "${debs[0]}" ] || skip "no packages of $version in build/deb: make deb"
[ -e "/usr/src/linux-headers-$kver/Makefile" ] || skip "no headers for $kver on the host"

unload_module
on_exit unload_module

# The chroot: the host's root (read-only 9p) under a tmpfs overlay.
ovl=$(mktemp -d)
root=$ovl/root
mkdir -p "$ovl/upper" "$ovl/work" "$root"
run - mount -t overlay overlay -o "lowerdir=/,upperdir=$ovl/upper,workdir=$ovl/work" "$root" ||
	die "cannot mount the overlay"
on_exit "umount -R $root; rm -rf $ovl"
for d in proc sys dev; do mount --rbind "/$d" "$root/$d"; done
mount -t tmpfs tmpfs "$root/tmp"
mount -t tmpfs tmpfs "$root/run"
# A gateway with one kernel, the running one: DKMS's postinst builds for
# every kernel with headers, and the host has those of both lines.
for d in "$root"/lib/modules/*; do
	[ "${d##*/}" = "$kver" ] || rm -rf "$d"
done
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
in_root() { chroot "$root" env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

check "no xfrm_ctx DKMS tree before" test ! -e "$root/var/lib/dkms/xfrm-ctx"
log "== dpkg -i (DKMS builds the module for $kver: minutes under emulation)"
pkgs=()
for p in xfrm-ctx-dkms xfrmctx libxfrmctx1 libxfrmctx-dev; do
	f=$(cd "$root/tmp/debs" && ls "${p}_$version"-*.deb) || die "no $p package in build/deb"
	pkgs+=("/tmp/debs/$f")
done
out=$(in_root dpkg -i "${pkgs[@]}" 2>&1); rc=$?
echo "$out" | sed 's/^/#   /' | tail -n 30
check_eq "dpkg -i installs the four packages" 0 "$rc"
status=$(in_root dkms status xfrm-ctx 2>&1)
log "dkms status: $status"
check "DKMS built and installed xfrm-ctx/$version for $kver" \
	grep -q "xfrm-ctx/$version, $kver, x86_64: installed" <<<"$status"
ko=$(ls "$root/lib/modules/$kver/updates/dkms/"xfrm_ctx.ko* 2>/dev/null | head -n1)
check "the module is in /lib/modules/$kver/updates/dkms" test -n "$ko"
check_eq "it carries VERSION" "$version" "$(modinfo -F version "$ko" 2>/dev/null)"
check_eq "and the family alias the kernel autoloads by" "net-pf-16-proto-16-family-xfrm_ctx" \
	"$(modinfo -F alias "$ko" 2>/dev/null)"
check "modules.dep lists it" grep -q 'updates/dkms/xfrm_ctx.ko' "$root/lib/modules/$kver/modules.dep"

log "== the packaged tools with the DKMS-built module"
check "xfrmctx is /usr/sbin/xfrmctx" test -x "$root/usr/sbin/xfrmctx"
check "xfrmctxd is /usr/sbin/xfrmctxd" test -x "$root/usr/sbin/xfrmctxd"
check_eq "the OCF agent is where Pacemaker looks" "$root/usr/lib/ocf/resource.d/xfrm-ctx/xfrmctxd" \
	"$(ls "$root"/usr/lib/ocf/resource.d/xfrm-ctx/xfrmctxd)"
check "the OCF agent calls the packaged daemon" \
	grep -q 'OCF_RESKEY_xfrmctxd:-/usr/sbin/xfrmctxd}$' "$root/usr/lib/ocf/resource.d/xfrm-ctx/xfrmctxd"
check "the systemd unit starts the packaged daemon" \
	grep -q '^ExecStart=/usr/sbin/xfrmctxd ' "$root/lib/systemd/system/xfrmctxd.service"
# The modules it needs come with the kernel (not in the chroot's tree,
# which has the headers only): load them as modprobe would, then it.
run - modprobe xfrm_ctx && run - rmmod xfrm_ctx
run - insmod "$ko" || fail "insmod the module DKMS built"
# (6.12's DKMS compresses the module as its kernel's modules are: .ko.xz)
build_id() {
	local unz=cat
	case $1 in
	*.xz) unz="xz -dc" ;;
	*.zst) unz="zstd -qdc" ;;
	*.gz) unz="gzip -dc" ;;
	esac
	$unz "$1" > "$ovl/module.ko" && readelf -n "$ovl/module.ko" | awk '/Build ID/ { print $3 }'
}
check_eq "the loaded module is the one DKMS built (build ID)" "$(build_id "$ko")" \
	"$(tail -c 20 /sys/module/xfrm_ctx/notes/.note.gnu.build-id | od -An -tx1 | tr -d ' \n')"
out=$(in_root xfrmctx --version); echo "$out" | sed 's/^/#   /'
check_eq "xfrmctx --version: tool, library, module" \
	"xfrmctx $version libxfrmctx $version xfrm_ctx module $version" "$(echo $out)"
out=$(in_root xfrmctx info); echo "$out" | sed 's/^/#   /'
check "xfrmctx info answers from the module" grep -q "^family xfrm_ctx version 1 module $version " <<<"$out"
check "man xfrmctx-ike is installed" test -e "$root/usr/share/man/man8/xfrmctx-ike.8.gz"

log "== a program on the packaged library, built as libxfrmctx(3) says"
cp "$XC_TOP/helper/examples/xfrmctx-handover.c" "$root/tmp/prog.c"
out=$(in_root sh -c 'cd /tmp && cc -o prog prog.c $(pkg-config --cflags --libs libxfrmctx) && ./prog' 2>&1); rc=$?
echo "$out" | sed 's/^/#   /'
check_eq "it builds and prints its usage (exit 2)" 2 "$rc"
out=$(in_root ldd /tmp/prog | grep libxfrmctx); echo "#   $out"
check "it runs on the packaged libxfrmctx.so.1" \
	grep -Eq 'libxfrmctx.so.1 => (/usr)?/lib/x86_64-linux-gnu/libxfrmctx.so.1' <<<"$out"
run - rmmod xfrm_ctx || fail "rmmod"

log "== dpkg --purge"
in_root dpkg --purge xfrm-ctx-dkms xfrmctx libxfrmctx-dev libxfrmctx1 >/dev/null 2>&1 ||
	fail "dpkg --purge"
check "the module is gone from /lib/modules" \
	eval "! ls $root/lib/modules/$kver/updates/dkms/xfrm_ctx.ko* >/dev/null 2>&1"
check "and from DKMS" eval "! in_root dkms status xfrm-ctx 2>/dev/null | grep -q xfrm-ctx"
exit $XC_RC
