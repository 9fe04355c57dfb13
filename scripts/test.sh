#!/usr/bin/env bash
# Builds and runs every test: unit + integration (real rsyslog/logger peers on 127.0.0.1) in the
# release build, the unit tests again under ASan/UBSan, and each libFuzzer target briefly.
# LOGFERRY_SKIP_ASAN=1 / LOGFERRY_SKIP_FUZZ=1 skip those parts for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${LOGFERRY_JOBS:-2}

cmake --preset default >/dev/null
cmake --build --preset default -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs" --timeout 600)

if [ "${LOGFERRY_SKIP_ASAN:-0}" != 1 ]; then
  cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$jobs"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure -j "$jobs" -L unit --timeout 600)
fi

if [ "${LOGFERRY_SKIP_FUZZ:-0}" != 1 ] && [ -d tests/fuzz ] && ls tests/fuzz/*_fuzz.cc >/dev/null 2>&1; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  (cd build-fuzz && ctest --output-on-failure -L fuzz --timeout 600)
fi
