#!/usr/bin/env bash
# Runs every test: the SDK's and the gateway's unit tests (sdk/, gateway/, no chain), the Rust
# tests of every crate (pallets, runtime, node command line), the SDK's and the gateway's
# integration tests (against a real node; the gateway's with two gateways) and the end-to-end
# tests that drive a real telemed-node with @polkadot/api.
# Installs what is missing first. One release build serves all of them: `cargo test` builds the
# node binary (the node crate has integration tests) and the e2e tests run that same binary.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_prerequisites

cd "$TELEMED_ROOT"
target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"

# The style first: seconds, and nothing else is worth building when it fails.
log "cargo fmt --check"
cargo fmt --all -- --check
logs="$(mktemp -d)"
client=""
bench=""
# A failing step ends the script: the jobs running beside it end with it.
sdk_chain=""
gateway_chain=""
ops_network=""
ops_backup=""
trap 'for job in $client $bench $sdk_chain $gateway_chain $ops_network $ops_backup; do kill "$job" 2>/dev/null || true; done; rm -rf "$logs"' EXIT

# The client side first needs the network (npm packages) and then little CPU (the SDK's and
# the gateway's unit tests need no node): it runs beside the Rust build, which needs the cores
# for most of an hour from nothing. Its output is shown when the Rust tests are done.
client_side() {
	local started
	started=$(date +%s)
	for package in sdk gateway e2e; do ensure_npm_packages "$package"; done
	log "npm packages took $(( $(date +%s) - started )) s"
	log "zepter: feature propagation"
	started=$(date +%s)
	ensure_zepter "$target/tools"
	"$target/tools/bin/zepter" run check
	log "zepter took $(( $(date +%s) - started )) s"
	log "operator kit: Prometheus config and alert rules (promtool), Grafana dashboard (JSON)"
	ensure_promtool "$target/tools"
	"$target/tools/bin/promtool" check config ops/prometheus/prometheus.yml
	(cd ops/prometheus && "$target/tools/bin/promtool" test rules alerts.test.yml)
	jq -e '.panels | length > 0' ops/grafana/telemed-dashboard.json >/dev/null
	log "sdk typecheck and unit tests"
	started=$(date +%s)
	(cd sdk && npm run --silent typecheck && npm test)
	log "sdk unit tests took $(( $(date +%s) - started )) s"
	log "gateway typecheck and unit tests"
	started=$(date +%s)
	(cd gateway && npm run --silent typecheck && npm run --silent test:unit)
	log "gateway unit tests took $(( $(date +%s) - started )) s"
}
log "npm packages, zepter and the client side's unit tests, in the background"
client_side >"$logs/client" 2>&1 &
client=$!

# The benchmarks run as unit tests on each pallet's mock runtime, so they keep compiling and
# reaching their worst case. A debug build without the wasm, in its own target dir: its
# features differ from the release build's. It runs beside the release build at a lower
# priority (nice), filling the cores where that build leaves one idle (about a tenth of its
# time from nothing: a long build script or link running alone); its output is shown when it is
# done.
features=()
for dir in pallets/*/; do
	[ -f "$dir/src/benchmarking.rs" ] && features+=("pallet-$(basename "$dir")/runtime-benchmarks")
done
packages=()
for f in "${features[@]}"; do packages+=(-p "${f%%/*}"); done
log "pallet benchmarks as tests, in the background (${features[*]})"
bench_started=$(date +%s)
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$target/benchmark-tests" \
	nice -n 10 cargo test --locked --lib "${packages[@]}" --features "$(IFS=,; echo "${features[*]}")" \
	>"$logs/bench" 2>&1 &
bench=$!

# `--tests`: every crate's unit and integration tests, no doc tests (there are none; rustdoc
# would still compile every crate again to find out). `--timings` leaves a report of what took
# the time in $target/cargo-timings/ (the CI budget is tight from nothing).
log "Rust tests (release profile, the node's own build)"
started=$(date +%s)
cargo test "${RELEASE_BUILD[@]}" --tests --timings
log "Rust build and tests took $(( $(date +%s) - started )) s"

log "zepter and the client side's unit tests (started in the background)"
if wait "$client"; then
	client=""
	cat "$logs/client" >&2
else
	cat "$logs/client" >&2
	log "zepter or the client side's unit tests FAILED"
	exit 1
fi

# The next runtime release for the upgrade tests (the same runtime with spec_version + 1, and
# with try-runtime: the CI's try-runtime build) came with the Rust build above: the crate
# testing/next-runtime builds it as a wasm project of its own, sharing every native dependency
# with the node's build. The governance suite upgrades a dev chain to it; the upgrade-with-state
# suite upgrades to it a chain started from the previous release's runtime (a checked-in wasm,
# testing/artifacts/: nothing to build) and runs the migrations' try-runtime checks through it.
export TELEMED_UPGRADE_WASM="$target/release/wbuild/telemed-runtime-next/telemed_runtime_next.compact.compressed.wasm"
[ -f "$TELEMED_UPGRADE_WASM" ] || { echo "the next runtime was not built: $TELEMED_UPGRADE_WASM" >&2; exit 1; }

# The SDK's flows against a real node (the binary just built): patient → practitioner through
# add, grant and seal, read, amend, revoke and re-key, shred; book and pay. And the gateway's
# integration test: two gateways with their own IPFS nodes, the key service. Each starts a node
# of its own; both mostly wait for 6-second blocks, so they run at the same time (about 2 min).
# Beside them, the operator kit's tests (ops/): a new network's chain spec made from a config
# (no development key in it, a node authors from it) and a backup restored (export, wipe,
# import, the same state root); each starts its own nodes, about a minute each.
node_bin="$target/release/telemed-node"
log "sdk and gateway integration tests and the operator kit's tests against $node_bin, side by side"
started=$(date +%s)
(cd sdk && TELEMED_NODE="$node_bin" npm run --silent test:chain) >"$logs/sdk-chain" 2>&1 &
sdk_chain=$!
(cd gateway && TELEMED_NODE="$node_bin" npm run --silent test:integration) >"$logs/gateway-chain" 2>&1 &
gateway_chain=$!
TELEMED_NODE="$node_bin" scripts/new-network-test.sh >"$logs/ops-network" 2>&1 &
ops_network=$!
TELEMED_NODE="$node_bin" scripts/backup-restore-test.sh >"$logs/ops-backup" 2>&1 &
ops_backup=$!
integration_ok=1
for job in "sdk-chain $sdk_chain" "gateway-chain $gateway_chain" "ops-network $ops_network" \
	"ops-backup $ops_backup"; do
	wait "${job#* }" || integration_ok=""
	cat "$logs/${job%% *}" >&2
done
sdk_chain=""
gateway_chain=""
ops_network=""
ops_backup=""
[ -n "$integration_ok" ] || { log "the sdk or gateway integration test or an operator kit test FAILED"; exit 1; }
log "sdk and gateway integration tests and the operator kit's tests took $(( $(date +%s) - started )) s"

log "pallet benchmarks as tests (started in the background)"
if wait "$bench"; then
	bench=""
	grep -E '^(test result|     Running)' "$logs/bench" >&2
	log "benchmark tests took $(( $(date +%s) - bench_started )) s (beside the Rust build)"
else
	cat "$logs/bench" >&2
	log "benchmark tests FAILED"
	exit 1
fi

# The suites in e2e/tests/, several at a time (e2e/run.ts): one shared node for those that change
# no chain-wide state; governance (a runtime upgrade), upgrade-state (a chain of the previous
# release filled, upgraded by the council, its migrations checked) and network (four validators,
# restarts, a handover) start nodes of their own.
log "end-to-end tests against $node_bin"
started=$(date +%s)
(cd e2e && npm run --silent typecheck && TELEMED_NODE="$node_bin" npm test)
log "end-to-end tests took $(( $(date +%s) - started )) s"

