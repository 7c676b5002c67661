#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ike_handover.sh: certificates, A's HA stream to the recorder on loopback,
# and A's charon and recorder killed instead of a planned hand-over: B
# takes over from the recorder's last periodic container, with jumps sized
# from the recorded packet rates.
IKE_AUTH=cert IKE_CHANNEL=loopback IKE_CRASH=1 IKE_BASELINE=0 exec "$(dirname "$0")/ike_handover.sh"
