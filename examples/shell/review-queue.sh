#!/usr/bin/env bash
# Five agents drain a review queue (kvstore scenario): each pops the next item with a visibility
# timeout, reviews it, and acks it. An agent that dies mid-review never acks: its item becomes
# visible again when the timeout runs out and another agent takes it (deliveries 2). Pops through
# one daemon never hand one item to two agents; across machines use --mode quorum for that.
# Runs against the local daemon (started on first use). Usage: examples/shell/review-queue.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
queue="reviews-$$"
for i in $(seq 1 10); do mk queue push "$queue" "pr-$((100 + i))" --ttl 10m >/dev/null; done

agent() {
  local me="agent-$1" item receipt
  # exit 1: nothing visible (after waiting up to 2 s for a late push or a timed-out review)
  while item=$(mk queue pop "$queue" --visibility-timeout 30s --wait 2s); do
    receipt=$(node -e 'console.log(JSON.parse(process.argv[1]).receipt)' "$item")
    sleep 0.1   # review…
    mk queue ack "$queue" "$receipt" >/dev/null
    echo "$me reviewed $(node -e 'console.log(JSON.parse(process.argv[1]).data)' "$item")"
  done
}
for a in 1 2 3 4 5; do agent "$a" & done
wait
echo "left in the queue: $(mk queue size "$queue" --format value)"
