#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module loads, registers the generic netlink family xfrm_ctx, answers
# the version query (through iproute2's genl and through xfrmctx), loads
# itself on first use of the family, and unloads without leaving anything
# behind.
. "$(dirname "$0")/lib.sh"

load_module
on_exit unload_module

fam=$(genl ctrl get name xfrm_ctx 2>&1)
echo "$fam" | sed 's/^/# /'
check "genl sees the family xfrm_ctx" grep -q 'Name: xfrm_ctx' <<<"$fam"
check "family has the events multicast group" grep -q 'name: events' <<<"$fam"

out=$(run - "$XFRMCTX" info) || fail "xfrmctx info failed"
echo "$out" | sed 's/^/# /'
check_eq "interface version" "1" "$(sed -n 's/.*version \([0-9]*\) module.*/\1/p' <<<"$out")"

json=$("$XFRMCTX" -j info)
check_eq "JSON family name" "xfrm_ctx" "$(jq -r .family <<<"$json")"
check_eq "JSON max replay window" "4096" "$(jq -r .max_replay_window <<<"$json")"
check "JSON lists iv-salt feature" jq -e '.features | index("iv-salt")' <<<"$json" >/dev/null

refs=$(awk '$1 == "xfrm_ctx" { print $3 }' /proc/modules)
check_eq "module reference count while idle" "0" "$refs"

run - rmmod xfrm_ctx || fail "rmmod"
check "module is gone after rmmod" test ! -d /sys/module/xfrm_ctx

# The family carries a module alias: its first user loads it.
out=$(run - "$XFRMCTX" info) || fail "xfrmctx info after rmmod"
check "first use of the family loads the module again" test -d /sys/module/xfrm_ctx
run - rmmod xfrm_ctx || fail "rmmod after autoload"

# With module loading blocked, the tool must say what is missing.
old_modprobe=$(cat /proc/sys/kernel/modprobe)
on_exit "echo $old_modprobe > /proc/sys/kernel/modprobe"
echo /bin/false > /proc/sys/kernel/modprobe
err=$("$XFRMCTX" info 2>&1); rc=$?
echo "$err" | sed 's/^/# /'
check "xfrmctx without the module exits non-zero" test $rc -ne 0
check "xfrmctx without the module says why" grep -q 'xfrm_ctx not found' <<<"$err"
