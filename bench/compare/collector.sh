#!/usr/bin/env bash
# Collector benchmark (CRI files -> syslog TCP): logferry vs rsyslog vs syslog-ng vs raw copy.
# Options: see `bench/compare/collector.sh --help` and bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/collector.py" "$@"
