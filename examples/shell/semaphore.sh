#!/usr/bin/env bash
# A counting semaphore (kvstore scenario): at most K agents in the critical section at once. An
# agent takes a permit with `dec --min 0` in quorum mode (exit 1: none left, retry), and gives it
# back with `inc`. The permits counter never goes below zero.
# Usage: examples/shell/semaphore.sh [K] [AGENTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
. examples/shell/quorum-daemon.sh
k="${1:-2}" agents="${2:-5}"
mk inc permits --by "$k" --mode quorum >/dev/null

agent() {
  until mk dec permits --min 0 --mode quorum >/dev/null 2>&1; do sleep 0.1; done
  inside=$(mk inc inside --mode quorum --format value)
  echo "agent $1 in the critical section ($inside inside, at most $k)"
  sleep 0.3
  mk dec inside --mode quorum >/dev/null
  mk inc permits --mode quorum >/dev/null
}
for i in $(seq 1 "$agents"); do agent "$i" & done
wait
echo "all $agents agents done; permits back to $(mk get-counter permits --mode quorum --format value)"
