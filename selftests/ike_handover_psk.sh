#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ike_handover.sh: planned hand-over, pre-shared keys, A's HA stream to the
# recorder over a cleartext channel on a second address of A (refused
# without --insecure), and the baseline without context.
IKE_AUTH=psk IKE_CHANNEL=lan IKE_CRASH= IKE_BASELINE=1 exec "$(dirname "$0")/ike_handover.sh"
