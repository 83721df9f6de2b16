#!/usr/bin/env bash
# Starts a Telemed development chain: Alice alone authors and finalises blocks, RPC (for
# Polkadot.js Apps and @polkadot/api) on ws://127.0.0.1:9944, Prometheus on 127.0.0.1:9615.
# Installs what is missing and builds the node first. Extra arguments go to the node, e.g.
#   scripts/dev.sh --base-path /tmp/telemed   # keep the chain between runs (default: temporary)
# With `--gateway` first, also runs a blob gateway (gateway/README.md) against the node: HTTP on
# http://127.0.0.1:8787, its IPFS node on /ip4/127.0.0.1/tcp/4101, blocks in $GATEWAY_DATA_DIR
# (default: a temporary directory); every GATEWAY_* variable of gateway/README.md applies.
#   scripts/dev.sh --gateway [node arguments…]
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
with_gateway=0
if [ "${1:-}" = "--gateway" ]; then
	with_gateway=1
	shift
	ensure_prerequisites --gateway
else
	ensure_prerequisites
fi

cd "$TELEMED_ROOT"
log "building telemed-node (release)"
cargo build --release --locked -p telemed-node
target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"

log "starting the dev chain: RPC ws://127.0.0.1:9944"
if [ "$with_gateway" -eq 0 ]; then
	exec "$target/release/telemed-node" --dev --rpc-port 9944 --prometheus-port 9615 "$@"
fi

"$target/release/telemed-node" --dev --rpc-port 9944 --prometheus-port 9615 "$@" &
node_pid=$!
export GATEWAY_NODE_WS="${GATEWAY_NODE_WS:-ws://127.0.0.1:9944}"
export GATEWAY_DATA_DIR="${GATEWAY_DATA_DIR:-$(mktemp -d -t telemed-gateway-XXXXXX)}"
log "starting the gateway: HTTP http://127.0.0.1:${GATEWAY_PORT:-8787}, blocks in $GATEWAY_DATA_DIR"
(cd gateway && exec node_modules/.bin/node --import tsx src/main.ts) &
gateway_pid=$!
trap 'kill "$gateway_pid" "$node_pid" 2>/dev/null || true; wait' EXIT INT TERM
# Whichever stops first stops the other (the trap).
wait -n "$node_pid" "$gateway_pid"
