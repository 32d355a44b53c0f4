#!/usr/bin/env bash
# Installs everything PoolScope needs to build, test and run its demo on Debian 12.
# Idempotent: when every package is already present it only checks and exits (well under a second).
#   --fuzz  also installs what the `fuzz` preset needs (clang 14 with libFuzzer); CI (.ci/run) uses it.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libgl-dev
  libpq-dev libsqlite3-dev
  # run: Qt platform plugins (offscreen, xcb), SVG icons, a font for offscreen rendering
  qt6-qpa-plugins fonts-dejavu-core
  # demo and tests: a throwaway PostgreSQL and the Python demo service
  postgresql python3 python3-flask python3-psycopg python3-psycopg-pool python3-sqlalchemy python3-prometheus-client
  # the side-by-side CPU bench (tests/bench/side_by_side.py): pg_activity, run on a pty by util-linux's script
  pg-activity
  # pgbouncer as a source (tst_pooler starts one of its own; the service is not enabled by this script)
  pgbouncer
  # the node-postgres probe's tests (node --test)
  nodejs
  # fault suite: a self-signed certificate (openssl req -x509), a gzip bomb (zlib), a full disk and the fake
  # DNS server's private resolv.conf (unshare, mount)
  openssl zlib1g-dev util-linux mount
  # notification tests: a private session bus (dbus-daemon --session) for a fake notification server
  dbus
  # the fleet: promtool (the agent's rules and exposition: promtool check rules|metrics, promtool test rules;
  # the fleet bench's store: promtool tsdb create-blocks-from openmetrics) and a real Prometheus (the
  # integration tests of the agent and of the window's Prometheus source)
  prometheus
  # package suite: cpack -G DEB with dpkg-shlibdeps (dpkg-dev), the desktop file and AppStream validators,
  # groff for the man page check
  dpkg-dev file desktop-file-utils appstream groff-base bsdextrautils
)
if [ "${1:-}" = "--fuzz" ]; then
  # the `fuzz` preset: clang and its runtime libraries (libFuzzer, ASan, UBSan)
  packages+=(clang-14 libclang-rt-14-dev)
elif [ $# -gt 0 ]; then
  echo "usage: install-deps.sh [--fuzz]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or install them with sudo apt-get install)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
