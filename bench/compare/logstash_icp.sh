#!/usr/bin/env bash
# Logstash pipelines benchmark: beats_client -> logferry running a Logstash .conf from a
# directory -> elasticsearch (fast _bulk endpoint) and syslog (line counter). Cases `icp` (ICP's
# k8s.conf + syslog output) and `grok` (%{COMBINEDAPACHELOG}). Options: --help, bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/logstash_icp.py" "$@"
