#!/usr/bin/env bash
# A barrier of N agents with a counter (kvstore scenario): each agent increments the arrivals
# counter and waits until it reads N (a gossip-mode PN-counter: every node converges on the exact
# count, so every agent sees N once all have arrived).
# Usage: examples/shell/barrier-counter.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
n="${1:-4}"
run="barrier-$$"

agent() {
  sleep "0.$((RANDOM % 9))"
  mk inc "$run:arrived" --ttl 5m >/dev/null
  echo "agent $1 arrived"
  until [ "$(mk get-counter "$run:arrived" --format value)" -ge "$n" ]; do sleep 0.1; done
  echo "agent $1 passes the barrier"
}
for i in $(seq 1 "$n"); do agent "$i" & done
wait
echo "all $n agents passed"
