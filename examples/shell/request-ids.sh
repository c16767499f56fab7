#!/usr/bin/env bash
# Unique request ids (kvstore scenario): agents take ids from a counter with `inc` in quorum mode,
# which returns the exact value after the increment, so no two agents ever get the same id.
# Usage: examples/shell/request-ids.sh [AGENTS] [IDS_EACH]
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
. examples/shell/quorum-daemon.sh
agents="${1:-4}" each="${2:-3}"
out="$(mktemp)"
agent() { for _ in $(seq 1 "$each"); do mk inc request-id --mode quorum --format value; done; }
for i in $(seq 1 "$agents"); do agent "$i" >>"$out" & done
wait
total=$(wc -l <"$out"); distinct=$(sort -u "$out" | wc -l)
echo "$total ids taken, $distinct distinct: $(sort -n "$out" | tr '\n' ' ')"
rm -f "$out"
[ "$total" -eq "$distinct" ]
