#!/bin/sh
# make-state-v3.sh - regenerates tests/data/state-v3.db and state-v3.golden.json with a plazo
# built from a tree at schema 3 (the commit that added this script, or any before the first
# migration past 3), for tests/integration/upgrade.py:
#
#     git worktree add /tmp/v3 <commit> && meson setup /tmp/v3/build /tmp/v3 \
#         && ninja -C /tmp/v3/build && tests/data/make-state-v3.sh /tmp/v3/build/src/plazo
#
# Never run it with a newer plazo: the fixture must stay what today's installs hold.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 PATH/TO/PLAZO" >&2; exit 2; }
command -v curl >/dev/null || { echo "$0: needs curl" >&2; exit 1; }
exec /usr/bin/python3 "$(dirname "$0")/make-state-v3.py" "$1"
