# Sourced by the quorum-mode examples: points meshkv at a daemon of its own (a private runtime and
# state directory, removed on exit) whose quorum members are itself, so `--mode quorum` works on
# one machine. In a real mesh, start the daemons with --quorum-members (MESHKV_QUORUM_MEMBERS)
# naming three or five of them instead.
export MESHKV_RUNTIME_DIR MESHKV_STATE_DIR MESHKV_MDNS=false MESHKV_LISTEN=/ip4/127.0.0.1/tcp/0
MESHKV_RUNTIME_DIR="$(mktemp -d)"
MESHKV_STATE_DIR="$MESHKV_RUNTIME_DIR/state"
trap 'npx --no-install meshkv daemon stop >/dev/null 2>&1 || true; rm -rf "$MESHKV_RUNTIME_DIR"' EXIT
# the daemon's peer id lives in its state directory: start once to learn it, then restart as a quorum of one
peer=$(npx --no-install meshkv status 2>/dev/null | sed -E 's/.*"peer_id":"([^"]+)".*/\1/')
npx --no-install meshkv daemon stop >/dev/null
export MESHKV_QUORUM_MEMBERS="$peer"
