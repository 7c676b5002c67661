# SPDX-License-Identifier: GPL-2.0
# Sourced by the build and VM scripts: which Debian kernels we target and where
# their pieces live. Nothing here installs anything (see scripts/setup-deps).
#
# A "line" is what a user names (6.1 or 6.12); an "ABI" is Debian's package
# suffix (6.1.0-56-amd64), which changes with every security update, so it is
# never written down: it is read from the linux-headers-amd64 meta-package of
# the suite that carries the line (bookworm[-security] for 6.1,
# bookworm-backports for 6.12).

XC_TOP=${XC_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
XC_BUILD=${XC_BUILD:-$XC_TOP/build}
XC_LINES="6.1 6.12"
XC_DEFAULT_LINE=6.1

# Print the ABI of a kernel line, e.g. "6.1" -> "6.1.0-56-amd64".
# apt-cache show lists every version of the meta-package the mirror offers;
# take the highest one of the line (only backports versions for 6.12, which
# Debian 12 also ships under other ABI names outside backports).
xc_abi() {
	local line=$1 best="" dep=""
	local ver deps
	while IFS='|' read -r ver deps; do
		case "$line:$ver" in
		6.1:6.1.*) ;;
		6.12:6.12.*bpo*) ;;
		*) continue ;;
		esac
		if [ -z "$best" ] || dpkg --compare-versions "$ver" gt "$best"; then
			best=$ver
			dep=$deps
		fi
	done < <(apt-cache show linux-headers-amd64 2>/dev/null |
		 awk '/^Version:/ { v = $2 }
		      /^Depends:/ { print v "|" $0 }')
	dep=${dep#*linux-headers-}
	dep=${dep%% *}
	dep=${dep%%,*}
	[ -n "$dep" ] || return 1
	printf '%s\n' "$dep"
}

# Accept a line (6.1, 6.12) or an ABI (6.1.0-56-amd64) and print the ABI.
xc_resolve() {
	case "$1" in
	6.1|6.12) xc_abi "$1" ;;
	*-amd64) printf '%s\n' "$1" ;;
	*) return 1 ;;
	esac
}

# Headers tree Kbuild builds against (installed from Debian's packages).
xc_kdir() { printf '/usr/src/linux-headers-%s\n' "$1"; }

# Private copy of the kernel image package: vmlinuz and modules for the VM.
xc_kroot() { printf '%s/kernels/%s\n' "$XC_BUILD" "$1"; }
xc_vmlinuz() { printf '%s/boot/vmlinuz-%s\n' "$(xc_kroot "$1")" "$1"; }
xc_moddir() { printf '%s/lib/modules/%s\n' "$(xc_kroot "$1")" "$1"; }
