#!/usr/bin/env bash
# Runs the test suites with Node's own test runner (works on Node 20, 22 and 24).
# Usage: test/run-tests.sh [unit|integration|all]
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
files=()
case "$which" in
  unit) files=(test/unit/*.test.ts) ;;
  integration) files=(test/integration/*.test.ts) ;;
  all) files=(test/unit/*.test.ts test/integration/*.test.ts) ;;
  *) echo "usage: $0 [unit|integration|all]" >&2; exit 2 ;;
esac
# Loopback connections tracked by netfilter (Docker turns it on) can fill its table mid-suite:
# tuned for the suite's own runs and put back afterwards (test/tune-conntrack.sh).
state="$(mktemp)"
bash test/tune-conntrack.sh apply "$state"
trap 'bash test/tune-conntrack.sh restore "$state"; rm -f "$state"' EXIT
# Integration tests start real servers on a 2-core machine: one file at a time.
node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
