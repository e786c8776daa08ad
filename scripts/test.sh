#!/usr/bin/env bash
# Runs every test file with Node's test runner (tsx for TypeScript). Files run one at a time: the machine has two
# cores and the suites share one PostgreSQL and one Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 "$@" "${files[@]}"
