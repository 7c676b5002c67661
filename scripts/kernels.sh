# SPDX-License-Identifier: GPL-2.0
# Sourced by the build and VM scripts: which Debian kernels we target and where
# their pieces live. Nothing here installs anything (see scripts/setup-deps).
#
# A "line" is what a user names; an "ABI" is Debian's package suffix
# (6.1.0-56-amd64), which changes with every security update, so it is never
# written down: it is read from the linux-headers-amd64 meta-package of the
# suite that carries the line:
#   6.1          bookworm[-security]   built on the host
#   6.12         bookworm-backports    built on the host
#   6.12-trixie  trixie[-security]     built in the trixie root
#   7.x          trixie-backports      built in the trixie root
# trixie's suites are read through a private apt configuration ($XC_APT),
# never through the host's sources. Kernels whose headers need trixie's
# compiler and glibc are built inside $XC_ROOT (scripts/trixie-root).

XC_TOP=${XC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
XC_BUILD=${XC_BUILD:-$XC_TOP/build}
# Every line (`make check-all`), and the ones `make check`, `make bench`
# and the other whole-matrix targets run.
XC_ALL_LINES="6.1 6.12 6.12-trixie 7.x"
XC_LINES="6.1 6.12"
XC_DEFAULT_LINE=6.1
XC_CACHE=${XC_CACHE:-/var/cache/xfrm-ctx}
XC_ROOT=${XC_ROOT:-$XC_CACHE/trixie}
XC_APT=${XC_APT:-$XC_CACHE/apt}
# The debug-kernel lane's kernel (scripts/debug-kernel): line "debug", ABI
# <version>-xcdebug, its built tree in $XC_DEBUG/<abi>/src.
XC_DEBUG=${XC_DEBUG:-$XC_CACHE/debug-kernel}

# Lines built and booted from trixie's packages.
xc_trixie_line() { case "$1" in 6.12-trixie|7.x) return 0 ;; esac; return 1; }

# The Debian mirror the host already uses (never anything else).
xc_mirror() {
	local uri
	uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		  /etc/apt/sources.list.d/*.sources 2>/dev/null |
	      grep -E '^(URIs:|deb )' | grep -o 'https\?://[^ ]*debian[^ ]*' |
	      grep -v security | head -n1 || true)
	printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# One-line sources of trixie, trixie-backports and trixie-security.
xc_trixie_sources() {
	local m
	m=$(xc_mirror)
	printf 'deb %s trixie main\ndeb %s trixie-backports main\ndeb %s-security trixie-security main\n' \
		"$m" "$m" "$m"
}

# apt-get/apt-cache on the private trixie configuration: its own sources,
# lists, cache and an empty dpkg status, so nothing of the host's changes.
xc_apt_opts() {
	printf '%s\n' -o "Dir::Etc::SourceList=$XC_APT/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o "Dir::State::Lists=$XC_APT/lists" \
		-o "Dir::Cache=$XC_APT/cache" -o "Dir::State::status=$XC_APT/status" \
		-o APT::Architecture=amd64 -o Debug::NoLocking=1
}
xc_apt() {
	local cmd=$1; shift
	local opts
	mapfile -t opts < <(xc_apt_opts)
	"$cmd" "${opts[@]}" "$@"
}
xc_apt_update() {
	mkdir -p "$XC_APT/lists/partial" "$XC_APT/cache/archives/partial"
	[ -f "$XC_APT/status" ] || : > "$XC_APT/status"
	xc_trixie_sources > "$XC_APT/sources.list.tmp"
	mv "$XC_APT/sources.list.tmp" "$XC_APT/sources.list"
	xc_apt apt-get -qq update
}

# Print the ABI of a kernel line, e.g. "6.1" -> "6.1.0-56-amd64".
# apt-cache show lists every version of the meta-package the mirror offers;
# take the highest one of the line (only backports versions for 6.12, which
# Debian 12 also ships under other ABI names outside backports; trixie's own
# 6.12 and the 7.x of trixie-backports from the private configuration).
xc_abi() {
	local line=$1 best="" dep=""
	local ver deps cache=(apt-cache)
	if xc_trixie_line "$line"; then
		[ -f "$XC_APT/sources.list" ] || return 1
		cache=(xc_apt apt-cache)
	fi
	while IFS='|' read -r ver deps; do
		case "$line:$ver" in
		6.1:6.1.*) ;;
		6.12:6.12.*bpo*) ;;
		6.12-trixie:6.12.*bpo*) continue ;;
		6.12-trixie:6.12.*) ;;
		7.x:7.*) ;;
		*) continue ;;
		esac
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best"; then
			best=$ver
			dep=$deps
		fi
	done < <("${cache[@]}" show linux-headers-amd64 2>/dev/null |
		 awk '/^Version:/ { v = $2 }
		      /^Depends:/ { print v "|" $0 }')
	# (7.x's meta-package depends on linux-base-amd64 first)
	dep=${dep#*linux-headers-}
	dep=${dep%% *}
	dep=${dep%%,*}
	[ -n "$dep" ] || return 1
	printf '%s\n' "$dep"
}

# Accept a line (6.1, 6.12, 6.12-trixie, 7.x, debug once scripts/debug-kernel
# built it) or an ABI (6.1.0-56-amd64) and print the ABI.
xc_resolve() {
	case "$1" in
	6.1|6.12|6.12-trixie|7.x) xc_abi "$1" ;;
	debug) cat "$XC_DEBUG/current" 2>/dev/null ;;
	*-amd64|*-xcdebug) printf '%s\n' "$1" ;;
	*) return 1 ;;
	esac
}

# Headers tree Kbuild builds against (installed from Debian's packages), as
# seen by the build: on the host, or inside the trixie root.
# The debug kernel's is its whole built tree.
xc_kdir() {
	case "$1" in
	*-xcdebug) printf '%s/%s/src\n' "$XC_DEBUG" "$1" ;;
	*) printf '/usr/src/linux-headers-%s\n' "$1" ;;
	esac
}
# Does this ABI build inside the trixie root (its headers are there, not on
# the host)?
xc_in_root() {
	[ ! -d "/usr/src/linux-headers-$1" ] && [ -d "$XC_ROOT/usr/src/linux-headers-$1" ]
}

# Private copy of the kernel image package: vmlinuz and modules for the VM.
xc_kroot() { printf '%s/kernels/%s\n' "$XC_BUILD" "$1"; }
xc_vmlinuz() { printf '%s/boot/vmlinuz-%s\n' "$(xc_kroot "$1")" "$1"; }
xc_moddir() { printf '%s/lib/modules/%s\n' "$(xc_kroot "$1")" "$1"; }

# Debian's linux-source package of a line and the version to take: the one
# matching the installed headers (when the mirror still has it, else the
# newest). Prints "PACKAGE VERSION" (VERSION may be empty).
xc_source_pkg() {
	local line=$1 pkg abi ver
	pkg=linux-source-$line
	abi=$(xc_abi "$line" 2>/dev/null || true)
	ver=$(dpkg-query -W -f='${Version}' "linux-headers-$abi" 2>/dev/null || true)
	if xc_trixie_line "$line"; then
		# linux-source-<major.minor> of the ABI, at the headers' version.
		pkg=linux-source-$(echo "$abi" | cut -d. -f1,2)
		ver=$(xc_apt apt-cache show "linux-headers-$abi" 2>/dev/null |
		      sed -n 's/^Version: //p' | head -n1)
	fi
	printf '%s %s\n' "$pkg" "$ver"
}

# Download that package into DIR (never installed) and print the .deb's
# path. trixie's lines come from the private apt configuration.
#   xc_source_deb 6.1|6.12|6.12-trixie|7.x DIR
xc_source_deb() {
	local line=$1 dir=$2 pkg ver deb apt=(apt-get)
	read -r pkg ver < <(xc_source_pkg "$line")
	xc_trixie_line "$line" && apt=(xc_apt apt-get)
	mkdir -p "$dir"
	(cd "$dir" &&
	 { [ -n "$ver" ] && "${apt[@]}" download -q "$pkg=$ver" 2>/dev/null ||
	   "${apt[@]}" download -q "$pkg"; } 2>&1 |
	 grep -v '^W: Download is performed unsandboxed' >&2 || true)
	deb=$(ls "$dir"/"$pkg"_*.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || { echo "cannot download $pkg" >&2; return 1; }
	printf '%s\n' "$deb"
}
