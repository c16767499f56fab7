#!/usr/bin/env bash
# Webhook deduplication (kvstore scenario): providers deliver the same event more than once; each
# handler adds the delivery id to a set and handles the event only when `sadd` says it was new
# (exit 0). Members expire after a day, as the provider's retry window does. Gossip mode answers
# from this node's view (fine for one node, or duplicates far apart); pass --mode quorum for
# exactly-once across nodes racing on the same id.
# Usage: examples/shell/webhook-dedup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
run="hooks-$$"
handled=0
for delivery in evt-1 evt-2 evt-1 evt-3 evt-2 evt-1; do
  if mk sadd "$run:seen" "$delivery" --ttl 1d >/dev/null; then
    echo "handling $delivery"; handled=$((handled + 1))
  else
    echo "duplicate $delivery: skipped"
  fi
done
echo "handled $handled distinct events; seen: $(mk smembers "$run:seen" --format value | tr '\n' ' ')"
