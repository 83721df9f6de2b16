#!/usr/bin/env bash
# Starts a Telemed development chain: Alice alone authors and finalises blocks, RPC (for
# Polkadot.js Apps and @polkadot/api) on ws://127.0.0.1:9944, Prometheus on 127.0.0.1:9615.
# Installs what is missing and builds the node first. Extra arguments go to the node, and a flag
# the caller gives replaces the default, e.g.
#   scripts/dev.sh --base-path /tmp/telemed   # keep the chain between runs (default: temporary)
#   scripts/dev.sh --rpc-port 29944           # RPC on another port
#   scripts/dev.sh --chain local --alice      # another chain instead of --dev
# With `--gateway` first, also runs a blob gateway (gateway/README.md) against the node: HTTP on
# http://127.0.0.1:8787, its IPFS node on /ip4/127.0.0.1/tcp/4101, blocks in $GATEWAY_DATA_DIR
# (default: a temporary directory); every GATEWAY_* variable of gateway/README.md applies. It
# also runs the emergency key service (gateway/README.md, "Emergency key service") as the
# endowed development account //Dave, with the well-known development phrase as its recovery
# phrase (both public: a development chain only); KEYSERVICE_* variables override them.
#   scripts/dev.sh --gateway [node arguments…]
# With `--app` first, all of that and the web app (app/README.md) on http://127.0.0.1:5173/
# (TELEMED_APP_PORT), the Vite server passing /gateway to the gateway:
#   scripts/dev.sh --app [node arguments…]
#
# The build is scripts/test.sh's (the same cargo command, so the same features): right after
# scripts/test.sh nothing is rebuilt, and after scripts/dev.sh, test.sh rebuilds nothing either.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
with_gateway=0
with_app=0
if [ "${1:-}" = "--app" ]; then
	# The web app needs the gateway: --app implies --gateway.
	with_app=1
	with_gateway=1
	shift
	ensure_prerequisites --gateway
	ensure_npm_packages app
elif [ "${1:-}" = "--gateway" ]; then
	with_gateway=1
	shift
	ensure_prerequisites --gateway
else
	ensure_prerequisites
fi

cd "$TELEMED_ROOT"
log "building telemed-node (release, the build scripts/test.sh makes)"
# Without the next runtime's blob (testing/next-runtime, only the upgrade test needs it): its
# features reach nothing else, so this builds nothing that test.sh would build differently.
cargo test "${RELEASE_BUILD[@]}" --exclude telemed-runtime-next --no-run
target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"

# Whether the caller passed any of the flags named (as `--flag value` or `--flag=value`).
given() {
	local arg flag
	for arg in "${args[@]}"; do
		for flag in "$@"; do
			[ "$arg" = "$flag" ] || [ "${arg%%=*}" = "$flag" ] && return 0
		done
	done
	return 1
}

# The value the caller gave for `flag`, if any.
value_of() {
	local i
	for ((i = 0; i < ${#args[@]}; i++)); do
		case "${args[i]}" in
			"$1") echo "${args[i + 1]:-}" && return ;;
			"$1"=*) echo "${args[i]#*=}" && return ;;
		esac
	done
}

args=("$@")
defaults=()
given --dev --chain || defaults+=(--dev)
given --rpc-port || defaults+=(--rpc-port 9944)
given --prometheus-port --no-prometheus || defaults+=(--prometheus-port 9615)

rpc_port="$(value_of --rpc-port)"
log "starting the chain: RPC ws://127.0.0.1:${rpc_port:-9944}"
if [ "$with_gateway" -eq 0 ]; then
	exec "$target/release/telemed-node" "${defaults[@]}" "$@"
fi

"$target/release/telemed-node" "${defaults[@]}" "$@" &
node_pid=$!
export GATEWAY_NODE_WS="${GATEWAY_NODE_WS:-ws://127.0.0.1:${rpc_port:-9944}}"
export GATEWAY_DATA_DIR="${GATEWAY_DATA_DIR:-$(mktemp -d -t telemed-gateway-XXXXXX)}"
log "starting the gateway: HTTP http://127.0.0.1:${GATEWAY_PORT:-8787}, blocks in $GATEWAY_DATA_DIR"
(cd gateway && exec node_modules/.bin/node --import tsx src/main.ts) &
gateway_pid=$!
export KEYSERVICE_NODE_WS="${KEYSERVICE_NODE_WS:-$GATEWAY_NODE_WS}"
export KEYSERVICE_SIGNING_SEED="${KEYSERVICE_SIGNING_SEED:-//Dave}"
export KEYSERVICE_RECOVERY_PHRASE="${KEYSERVICE_RECOVERY_PHRASE:-bottom drive obey lake curtain smoke basket hold race lonely fit walk}"
log "starting the emergency key service (default account //Dave)"
(cd gateway && exec node_modules/.bin/node --import tsx src/keyservice/main.ts) &
keyservice_pid=$!
pids=("$node_pid" "$gateway_pid" "$keyservice_pid")
if [ "$with_app" -eq 1 ]; then
	log "serving the web app: http://127.0.0.1:${TELEMED_APP_PORT:-5173}/?node=$GATEWAY_NODE_WS (the gateway behind its /gateway)"
	(cd app && TELEMED_GATEWAY_URL="http://127.0.0.1:${GATEWAY_PORT:-8787}" \
		exec node_modules/.bin/node node_modules/vite/bin/vite.js --strictPort) &
	pids+=($!)
fi
trap 'kill "${pids[@]}" 2>/dev/null || true; wait' EXIT INT TERM
# Whichever stops first stops the others (the trap).
wait -n "${pids[@]}"
