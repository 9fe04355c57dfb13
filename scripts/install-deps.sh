#!/usr/bin/env bash
# The one list of Debian 12 packages logferry builds, tests and benchmarks with.
# Why each library is there: cmake/Dependencies.cmake.
set -euo pipefail
build=(g++ cmake ninja-build pkg-config clang libclang-rt-14-dev)
libs=(libasio-dev libssl-dev libsimdjson-dev libyaml-cpp-dev libre2-dev libpcre2-dev
      libcurl4-openssl-dev libfmt-dev libcli11-dev zlib1g-dev libzstd-dev
      libabsl-dev tzdata tao-pegtl-dev)
tests=(libgtest-dev libgmock-dev libbenchmark-dev openssl bsdutils curl procps python3 nodejs logrotate)
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in "${build[@]}" "${libs[@]}" "${tests[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"$(dirname "$0")/install-peers.sh"
