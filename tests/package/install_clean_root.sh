#!/usr/bin/env bash
# Installs a PoolScope .deb on a clean Debian 12 root and runs it there: the proof that the package installs
# with its Depends and works (README, Install). Needs root, mmdebstrap and a Debian mirror; takes a few minutes,
# so it is not part of the test suite.
#   tests/package/install_clean_root.sh build/release/poolscope_0.1.0_amd64.deb
# What it shows: apt resolves and installs the package's dependencies from the mirror into a fresh minimal
# bookworm (no Qt, no libpq before), then `poolscope --version`, `poolscope status --help`, `man poolscope-status`
# and an offscreen screenshot run from /usr/bin inside that root.
set -euo pipefail
deb="$(realpath "${1:?usage: install_clean_root.sh POOLSCOPE.deb}")"
[ "$(id -u)" -eq 0 ] || { echo "install_clean_root: run as root" >&2; exit 1; }
work="$(mktemp -d /var/tmp/poolscope-clean-root.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/root"

echo "== a minimal Debian 12 root in $root" >&2
mmdebstrap --variant=apt --include=man-db bookworm "$root" http://deb.debian.org/debian >&2
if chroot "$root" dpkg-query -W libqt6core6 >/dev/null 2>&1; then
    echo "install_clean_root: the fresh root already has Qt; not a clean test" >&2
    exit 1
fi
cp "$deb" "$root/tmp/"
cp /etc/resolv.conf "$root/etc/resolv.conf"

in_root() { unshare --mount --fork sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$root" "$@"; }
echo "== apt-get update && apt-get install ./$(basename "$deb")" >&2
in_root apt-get update -q >&2  # mmdebstrap leaves the root without package lists
in_root apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" >&2
echo "== dpkg -s poolscope" >&2
in_root dpkg -s poolscope | grep -E '^(Status|Version)'
echo "== poolscope --version" >&2
in_root poolscope --version
echo "== poolscope status --help" >&2
in_root poolscope status --help
echo "== man poolscope-status" >&2
in_root env MANWIDTH=80 man -P cat poolscope-status | head -8
echo "== poolscope screenshot (offscreen, a target on a closed port)" >&2
in_root env QT_QPA_PLATFORM=offscreen POOLSCOPE_RECORD=0 HOME=/tmp poolscope screenshot \
    --health http://127.0.0.1:9/health --after 1 --out /tmp/shot.png
in_root sh -c 'test -s /tmp/shot.png && echo "screenshot: $(stat -c %s /tmp/shot.png) bytes"'
echo "install_clean_root: ok" >&2
