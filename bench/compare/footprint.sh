#!/usr/bin/env bash
# Footprint benchmark (idle, 5,000 files, 1,000 connections): logferry vs rsyslog vs syslog-ng.
# Options: see `bench/compare/footprint.sh --help` and bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/footprint.py" "$@"
