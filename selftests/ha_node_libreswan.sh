#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ha_node_keepalived.sh with libreswan's pluto as the peer: the take-overs
# must hold against an IKE implementation that is not strongSwan.
PEER_IMPL=libreswan exec "$(dirname "$0")/ha_node_keepalived.sh"
