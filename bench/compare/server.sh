#!/usr/bin/env bash
# Syslog server benchmark (TCP -> files by templated path): logferry vs rsyslog vs syslog-ng.
# Options: see `bench/compare/server.sh --help` and bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/server.py" "$@"
