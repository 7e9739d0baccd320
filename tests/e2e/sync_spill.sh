#!/usr/bin/env bash
# sync_spill.sh - the engine's end-to-end test again with at most 7 people held in memory, so every
# run of it sends the people it reads through the scratch file (core/people_spill.c) and back: the
# results must be the same as with everyone in memory.
OPTSYNC_PEOPLE_CAP=7 exec bash "$(dirname "$0")/sync_engine.sh"
