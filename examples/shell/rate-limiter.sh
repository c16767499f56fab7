#!/usr/bin/env bash
# A token-bucket rate limiter (kvstore scenario): a bucket of N tokens that every agent draws from
# with `dec --min 0` in quorum mode: a draw that would take it below zero fails (exit 1,
# CounterBoundError) instead, so however many agents race, no more than N calls go through. A
# refiller puts tokens back.
# Usage: examples/shell/rate-limiter.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
. examples/shell/quorum-daemon.sh
n="${1:-5}"
bucket="rate:api"
mk inc "$bucket" --by "$n" --mode quorum --ttl 10m >/dev/null
echo "bucket holds $n tokens"

agent() {
  if left=$(mk dec "$bucket" --min 0 --mode quorum --format value 2>/dev/null); then
    echo "agent $1: call allowed ($left tokens left)"
  else
    echo "agent $1: rate limited"
  fi
}
for i in $(seq 1 $((n + 3))); do agent "$i" & done
wait
echo "tokens left: $(mk get-counter "$bucket" --mode quorum --format value) (never below 0)"
mk inc "$bucket" --by 2 --mode quorum >/dev/null   # the refiller
echo "after a refill of 2: $(mk get-counter "$bucket" --mode quorum --format value)"
