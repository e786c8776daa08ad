#!/usr/bin/env bash
# Start-up time of `npm start`: seconds from launch until /readyz answers 200 (the gateway listens only once every
# subgraph is migrated and seeded, so this is time-to-first-answer). Cold: an empty data directory; warm: the same
# directory again. Usage: bash bench/startup.sh [runs] [port]   (runs default 3, port default 4900)
set -euo pipefail
runs=${1:-3}
port=${2:-4900}
measure() {
  local dir=$1 start end pid
  start=$(date +%s.%N)
  PSGRAPH_DATA_DIR=$dir PORT=$port LOG_LEVEL=warn setsid npm start --silent >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 $pid 2>/dev/null || { echo "npm start exited" >&2; exit 1; }
    sleep 0.1
  done
  end=$(date +%s.%N)
  kill -INT -- -$pid; wait $pid 2>/dev/null || true
  sleep 0.5
  echo "$end - $start" | bc
}
for run in $(seq 1 "$runs"); do
  dir=$(mktemp -d /tmp/psgraph-startup.XXXXXX)
  cold=$(measure "$dir")
  warm=$(measure "$dir")
  echo "run $run: cold ${cold}s warm ${warm}s"
  rm -rf "$dir"
done
