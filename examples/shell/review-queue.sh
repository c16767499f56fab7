#!/usr/bin/env bash
# Five agents split a review queue with per-item locks (kvstore scenario). Each agent takes the
# lock of the next item nobody holds (exit 4 means "taken, move on"), reviews it, marks it done.
# Runs against the local daemon (started on first use). Usage: examples/shell/review-queue.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
run="rq-$$"
items=$(seq 1 10)
for i in $items; do mk set "$run:todo:$i" "pr-$((100 + i))" --ttl 10m >/dev/null; done

agent() {
  local me="agent-$1"
  for i in $items; do
    mk exists "$run:done:$i" >/dev/null && continue
    if mk lock acquire "$run:review:$i" --owner "$me" --ttl 30s >/dev/null 2>&1; then
      if ! mk exists "$run:done:$i" >/dev/null; then
        sleep 0.1   # review…
        mk set "$run:done:$i" "$me" --ttl 10m >/dev/null
        echo "$me reviewed $(mk get "$run:todo:$i" --format value)"
      fi
      mk lock release "$run:review:$i" --owner "$me" >/dev/null
    fi   # exit 4: another agent holds it
  done
}
for a in 1 2 3 4 5; do agent "$a" & done
wait
echo "done: $(mk list "$run:done:" --format keys | wc -l) of 10 items"
