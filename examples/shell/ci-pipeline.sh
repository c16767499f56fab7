#!/usr/bin/env bash
# A CI pipeline as a state machine in the mesh (kvstore scenario): two pipelines move through
# build -> test -> deploy, publishing their state; deploys are serialised by a lock, the second
# pipeline waits for it (--wait) and both deploys carry increasing fencing tokens. Test results
# go to pass/fail counters (`inc`, a gossip-mode PN-counter: no result is lost or counted twice).
# Usage: examples/shell/ci-pipeline.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mk() { npx --no-install meshkv "$@"; }
run="ci-$$"

pipeline() {
  local id="$1" state="$run:pipeline:$1"
  for stage in build test; do
    mk set "$state" "$stage" --ttl 1h >/dev/null
    echo "pipeline $id: $stage"; sleep 0.2
  done
  for t in 1 2 3; do   # test results: one of pipeline 2's tests fails
    if [ "$id" = 2 ] && [ "$t" = 3 ]; then mk inc "$run:tests:failed" --ttl 1h >/dev/null; else mk inc "$run:tests:passed" --ttl 1h >/dev/null; fi
  done
  mk set "$state" "waiting-for-deploy-lock" --ttl 1h >/dev/null
  token=$(mk lock acquire "$run:deploy:prod" --owner "pipeline-$id" --ttl 30s --wait 1m | sed -E 's/.*"token":"([^"]+)".*/\1/')
  mk set "$state" deploy --ttl 1h >/dev/null
  echo "pipeline $id: deploy with fencing token ${token:0:16}"; sleep 0.5
  mk lock release "$run:deploy:prod" --owner "pipeline-$id" >/dev/null
  mk set "$state" done --ttl 1h >/dev/null
}
pipeline 1 & pipeline 2 &
sleep 0.3; echo "watching: $(mk list "$run:pipeline:" --format keys | tr '\n' ' ')"
wait
for id in 1 2; do echo "pipeline $id ended in state $(mk get "$run:pipeline:$id" --format value)"; done
echo "tests: $(mk get-counter "$run:tests:passed" --format value) passed, $(mk get-counter "$run:tests:failed" --format value) failed"
