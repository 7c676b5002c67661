#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ike_handover.sh with certificates, and A's HA channel under IPsec
# (charon.plugins.ha.secret), which the recorder then requires.
IKE_AUTH=cert IKE_SECRET=1 exec "$(dirname "$0")/ike_handover.sh"
