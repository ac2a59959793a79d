# harness.sh - what the shell tests share (sourced after `set -u`): a scratch directory $tmp
# removed at exit with every pid in $pids killed (plus the mounts in $mounts unmounted), the
# check counter $fails with ok/bad, the skip when a tool is missing (need), and two readings (a pattern in a file, the messages a
# peer stored). The Python tests have the same in harness.py.
tmp=$(mktemp -d)
pids=""
mounts=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for m in $mounts; do umount "$m" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
ok() { echo "ok $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# expect_grep NAME PATTERN FILE: ok when FILE holds PATTERN, else bad and FILE shown.
expect_grep() { if grep -q -- "$2" "$3"; then ok "$1"; else bad "$1: no '$2' in $3"; cat "$3"; fi; }
# messages NAME: how many messages the peer storing into $tmp/NAME holds.
messages() { find "$tmp/$1" -name '*.eml' 2>/dev/null | wc -l; }
# need TOOL...: exits 77 (skip) unless each is there: a command, or py:MODULE, a module
# /usr/bin/python3 imports.
need() {
    for t in "$@"; do
        case $t in
        py:*) /usr/bin/python3 -c "import ${t#py:}" 2>/dev/null ;;
        *) command -v "$t" >/dev/null 2>&1 ;;
        esac || { echo "skip: ${t#py:} missing"; exit 77; }
    done
}
# wait_port NAME: waits (10 s at most) for the peer started as NAME to write $tmp/NAME.port;
# sets $port, or counts a failure and exits.
wait_port() {
    i=0
    while [ ! -s "$tmp/$1.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    port=$(cat "$tmp/$1.port" 2>/dev/null) || { bad "peer $1 did not start"; exit 1; }
}
