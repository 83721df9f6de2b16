#!/usr/bin/env bash
# Starts a Telemed development chain: Alice alone authors and finalises blocks, RPC (for
# Polkadot.js Apps and @polkadot/api) on ws://127.0.0.1:9944, Prometheus on 127.0.0.1:9615.
# Installs what is missing and builds the node first. Extra arguments go to the node, e.g.
#   scripts/dev.sh --base-path /tmp/telemed   # keep the chain between runs (default: temporary)
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_prerequisites

cd "$TELEMED_ROOT"
log "building telemed-node (release)"
cargo build --release --locked -p telemed-node
target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"

log "starting the dev chain: RPC ws://127.0.0.1:9944"
exec "$target/release/telemed-node" --dev --rpc-port 9944 --prometheus-port 9615 "$@"
