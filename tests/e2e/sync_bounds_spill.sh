#!/usr/bin/env bash
# sync_bounds_spill.sh - sync_bounds.sh with at most 7 people in memory: the person with 2,000
# Leads goes to the scratch file (core/people_spill.c) and back whole.
OPTSYNC_PEOPLE_CAP=7 exec bash "$(dirname "$0")/sync_bounds.sh"
