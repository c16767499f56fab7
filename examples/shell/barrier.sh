#!/usr/bin/env bash
# A barrier of N agents (kvstore scenario): each agent announces its arrival under a shared
# prefix and waits until all N have arrived, then they all proceed together.
# Usage: examples/shell/barrier.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
n="${1:-4}"
run="barrier-$$"

agent() {
  sleep "0.$((RANDOM % 9))"                      # agents arrive at different times
  mk set "$run:arrived:$1" "$(date +%s%N)" --ttl 5m >/dev/null
  echo "agent $1 arrived"
  for peer in $(seq 1 "$n"); do mk wait "$run:arrived:$peer" --timeout 1m >/dev/null; done
  echo "agent $1 passes the barrier"
}
for i in $(seq 1 "$n"); do agent "$i" & done
wait
echo "all $n agents passed"
