#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ike_handover.sh with pre-shared keys and a cleartext HA channel.
IKE_AUTH=psk IKE_SECRET= exec "$(dirname "$0")/ike_handover.sh"
