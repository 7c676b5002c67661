#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ike_handover.sh with certificates, A's HA channel under IPsec
# (charon.plugins.ha.secret, which the recorder then requires), and A's
# charon killed instead of a planned hand-over: B takes over from the last
# periodic record.
IKE_AUTH=cert IKE_SECRET=1 IKE_CRASH=1 IKE_BASELINE=0 exec "$(dirname "$0")/ike_handover.sh"
