#!/usr/bin/env bash
# Beats input benchmark: beats_client (Filebeat-like windows) -> logferry beats source -> blackhole.
# Options: see `bench/compare/beats.sh --help` and bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/beats.py" "$@"
