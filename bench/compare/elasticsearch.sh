#!/usr/bin/env bash
# Elasticsearch sink benchmark: events into logferry -> elasticsearch sink -> a fast _bulk
# endpoint (tests/support/es_test_server.cc in --fast mode). Options: --help, bench/README.md.
set -euo pipefail
exec python3 "$(dirname "$0")/elasticsearch.py" "$@"
