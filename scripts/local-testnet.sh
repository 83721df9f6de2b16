#!/usr/bin/env bash
# Starts the four-validator `local` chain (Alice, Bob, Charlie, Dave) on this machine, on
# loopback only, and stops all four cleanly on Ctrl-C (or when any one of them dies).
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

# Alice's node key is fixed so that the others can find her.
alice_key=0000000000000000000000000000000000000000000000000000000000000001
alice_peer=$("$node" key inspect-node-key --file <(printf '%s' "$alice_key"))
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$alice_peer"

for i in "${!names[@]}"; do
	name=${names[$i]}
	args=(--chain local --"$name" --validator
		--base-path "$base/$name"
		--listen-addr "/ip4/127.0.0.1/tcp/$((30333 + i))"
		--rpc-port $((9944 + i)) --prometheus-port $((9615 + i))
		--no-telemetry --no-mdns --allow-private-ip)
	if [ "$name" = alice ]; then
		args+=(--node-key "$alice_key")
	else
		args+=(--bootnodes "$bootnode")
	fi
	"$node" "${args[@]}" >"$base/$name.log" 2>&1 &
	pids+=($!)
	log "$name: pid ${pids[-1]}, RPC ws://127.0.0.1:$((9944 + i)), log $base/$name.log"
done

log "running; Ctrl-C stops all four"
# Return as soon as any node exits, then stop the others.
wait -n "${pids[@]}" || true
