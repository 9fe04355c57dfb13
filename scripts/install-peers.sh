#!/usr/bin/env bash
# Real protocol peers for the integration tests and benchmarks: rsyslog (imtcp/imudp/imrelp/TLS,
# mmkubernetes against the Kubernetes API stand-in) and syslog-ng. Debian's rsyslog and
# syslog-ng-core conflict, and installing either as a package would also set up the machine's
# own syslog service and /etc. So their runtime libraries are installed as packages, while the
# daemons themselves are unpacked privately into .peers/ (git-ignored) and started by tests with
# their own config in a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
peers="$PWD/.peers"
runtime_libs=(libestr0 libfastjson4 liblognorm5 librelp0 libuuid1 libzstd1 zlib1g libssl3 libcurl4
              libcap2 libglib2.0-0 libivykis0 libjson-c5 libnet1 libpcre3 libwrap0)
sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${runtime_libs[@]}" >/dev/null ||
  { sudo_if_needed apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends "${runtime_libs[@]}" >/dev/null; }
unpack() {  # unpack PACKAGE... into .peers/DIR (again when the list of packages changes)
  local dir="$1"; shift
  [ -x "$peers/$dir/.done" ] && [ "$(sed -n 2p "$peers/$dir/.done")" = "# $*" ] && return 0
  local tmp; tmp=$(mktemp -d); chmod 755 "$tmp"
  # apt-get download needs package lists: refresh them once if the first try finds nothing.
  (cd "$tmp" && apt-get download -qq "$@" >/dev/null 2>&1) ||
    { sudo_if_needed apt-get update -qq && (cd "$tmp" && apt-get download -qq "$@" >/dev/null); }
  mkdir -p "$peers/$dir"
  for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$peers/$dir"; done
  rm -rf "$tmp"
  printf '#!/bin/sh\n# %s\n' "$*" > "$peers/$dir/.done"; chmod +x "$peers/$dir/.done"
}
unpack rsyslog rsyslog rsyslog-relp rsyslog-openssl rsyslog-kubernetes
unpack syslog-ng syslog-ng-core
# lumberjack-client (npm): a real Lumberjack v2 client for the beats source tests. Debian's
# nodejs comes without npm (a separate package); some nodejs builds bundle it.
if [ ! -f "$peers/npm/node_modules/lumberjack-client/index.js" ]; then
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -qq --no-install-recommends npm >/dev/null
  mkdir -p "$peers/npm"
  npm install --silent --no-audit --no-fund --prefix "$peers/npm" lumberjack-client@1.0.3 >/dev/null
fi
echo "peers in $peers: $(ls "$peers")"
