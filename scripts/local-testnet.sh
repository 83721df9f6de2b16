#!/usr/bin/env bash
# Starts the four-validator `local` chain (Alice, Bob, Charlie, Dave) on this machine, on
# loopback only, and stops all four cleanly on Ctrl-C. A node that dies leaves the others running.
#   RPC:  Alice ws://127.0.0.1:9944, Bob :9945, Charlie :9946, Dave :9947
#   p2p:  127.0.0.1:30333..30336     Prometheus: 127.0.0.1:9615..9618
# Chain data lives in $TELEMED_TESTNET_DIR (default: a fresh temporary directory).
# GRANDPA needs more than two thirds of the voters: with four, any one may be stopped.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"

target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"
node="${TELEMED_NODE:-$target/release/telemed-node}"
if [ ! -x "$node" ]; then
	ensure_prerequisites
	(cd "$TELEMED_ROOT" && cargo build --release --locked -p telemed-node)
fi

base="${TELEMED_TESTNET_DIR:-$(mktemp -d -t telemed-testnet.XXXXXX)}"
mkdir -p "$base"
names=(alice bob charlie dave)
pids=()

stop_all() {
	trap - INT TERM EXIT
	log "stopping the testnet"
	for pid in "${pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	log "stopped; chain data kept in $base"
}
trap stop_all INT TERM EXIT

# Fixed, well-known node keys (loopback development only): validators do not make up a
# network key by themselves, and the others find Alice by hers.
node_key() { printf '%064x' "$(($1 + 1))"; }
alice_peer=$("$node" key inspect-node-key --file <(node_key 0))
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer"

for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(--chain local --"$name" --validator
		--base-path "$base/$name"
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))"
		--rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
		--no-telemetry --no-mdns --allow-private-ip
		--node-key "$(node_key "$i")")
	[ "$name" = alice ] || args+=(--bootnodes "$bootnode")
	"$node" "${args[@]}" >"$base/$name.log" 2>&1 &
	pids+=($!)
	log "$name: pid ${pids[-1]}, RPC ws://127.0.0.1:$((9944 + i)), log $base/$name.log"
done

log "running; Ctrl-C stops all four"
# A node that exits (or is stopped to try GRANDPA's fault tolerance) leaves the others running;
# the script ends when all have exited or on Ctrl-C.
running=${#pids[@]}
while :; do
	live=()
	for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && live+=("$pid"); done
	[ "${#live[@]}" -gt 0 ] || break
	[ "${#live[@]}" -lt "$running" ] && log "a node exited; ${#live[@]} still running (logs in $base)"
	running=${#live[@]}
	wait -n "${live[@]}" || true
done
