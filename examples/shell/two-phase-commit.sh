#!/usr/bin/env bash
# Two-phase-commit votes (kvstore scenario): a coordinator asks N participants to prepare; each
# votes by adding itself to the yes or the no set (`sadd`); the coordinator commits once `scard`
# of the yes set reaches N, and aborts at the first no.
# Usage: examples/shell/two-phase-commit.sh [N] [FAIL]   (FAIL: a participant that votes no)
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
n="${1:-3}" fail="${2:-0}"
tx="tx-$$"

participant() {
  sleep "0.$((RANDOM % 5))"   # preparing…
  if [ "$1" = "$fail" ]; then mk sadd "$tx:no" "p$1" --ttl 10m >/dev/null; echo "p$1 votes no"
  else mk sadd "$tx:yes" "p$1" --ttl 10m >/dev/null; echo "p$1 votes yes"; fi
}
for i in $(seq 1 "$n"); do participant "$i" & done

decision=""
while [ -z "$decision" ]; do
  if [ "$(mk scard "$tx:no" --format value)" -gt 0 ]; then decision=abort
  elif [ "$(mk scard "$tx:yes" --format value)" -ge "$n" ]; then decision=commit
  else sleep 0.1; fi
done
wait
mk set "$tx:decision" "$decision" --ttl 10m >/dev/null
echo "coordinator: $decision (yes: $(mk smembers "$tx:yes" --format value | tr '\n' ' '))"
