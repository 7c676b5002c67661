#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: a peer, two gateways and one ESP tunnel from the peer to the
# gateways' shared address (VIP), set up in namespaces of the VM (topology in
# topo.sh). Traffic runs from the peer; the SA and its counters are shown.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"

load_module
on_exit unload_module

log "== topology: peer 10.0.0.1, gateway A 10.0.0.2 (holds VIP $VIP), gateway B 10.0.0.3"
topo_setup
run "$peer" ping -c 20 -i 0.05 -q -I 192.168.1.1 192.168.2.1 | sed 's/^/#   /'
log "== the peer's SAs and their counters"
ip -n "$peer" -s xfrm state | sed 's/^/#   /'
log "== gateway A's SAs"
ip -n "$gwA" -s xfrm state | sed 's/^/#   /'
read -r oseq seq < <(topo_counters "$gwA" "$SPI_IN")
log "gateway A: outbound SA $SPI_IN has sent $oseq packets"
read -r oseq2 seq2 < <(topo_counters "$gwA" "$SPI_OUT")
log "gateway A: inbound SA $SPI_OUT has seen sequence numbers up to $seq2"
check "20 echo requests reached gateway A over ESP" test "$seq2" -ge 20
check "20 echo replies left gateway A over ESP" test "$oseq" -ge 20
