# scripts/deps.sh - sourced by scripts/demo and scripts/test: install missing Debian packages.
# Usage: need_packages PKG...   (runs apt-get update first, only when something is missing)

# libc6-dev: the C library's headers and meson's dependency('threads') (pthread); gcc only
# recommends it, and apt-get here installs no recommends
BUILD_PACKAGES="gcc libc6-dev meson ninja-build pkg-config libcurl4-openssl-dev libical-dev
libsqlite3-dev libinih-dev libmicrohttpd-dev libsystemd-dev libutf8proc-dev libzip-dev libexpat1-dev
tzdata scdoc"
TEST_PACKAGES="clang libclang-rt-14-dev python3 python3-aiosmtpd python3-icalendar curl sqlite3
openssl coreutils chromium python3-websocket"
# bench/run only: the peers it measures against and what drives them (wrk, also with a Lua
# script rotating over every office's feed)
BENCH_PACKAGES="python3-pandas python3-icalendar wrk nginx-light postfix msmtp time gcc
pkg-config"

need_packages() {
    missing=""
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in
        *" installed") ;;
        *) missing="$missing $pkg" ;;
        esac
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "plazo: missing Debian packages:$missing (run as root to install them)" >&2
        return 1
    fi
    echo "plazo: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >&2
}

# configure DIR [meson options...]: set up a build directory, or reconfigure it.
configure() {
    dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@"
    fi
}
