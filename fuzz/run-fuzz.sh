#!/bin/sh
# run-fuzz.sh TARGET WORK_CORPUS SEED_DIR SECONDS [DICT]: fuzz for a bounded time; new inputs
# go to WORK_CORPUS, crashes to WORK_CORPUS/../TARGET-crash-*. Exit non-zero on any finding.
set -eu
target=$1 work=$2 seeds=$3 seconds=$4
dict=${5:+-dict=$5}
mkdir -p "$work"
exec "$target" $dict -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$work/../$(basename "$target")-" "$work" "$seeds"
