#!/usr/bin/env bash
# Runs every test: the SDK's and the gateway's unit tests (sdk/, gateway/, no chain), the Rust
# tests of every crate (pallets, runtime, node command line), the SDK's and the gateway's
# integration tests (against a real node; the gateway's with two gateways) and the end-to-end
# tests that drive a real telemed-node with @polkadot/api.
# Installs what is missing first. One release build serves all of them: `cargo test` builds the
# node binary (the node crate has integration tests) and the e2e tests run that same binary.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_prerequisites --e2e --sdk --gateway

cd "$TELEMED_ROOT"
target="${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}"

# First, being cheap: the SDK's formats, keys and test vectors need no node.
log "sdk unit tests"
started=$(date +%s)
(cd sdk && npm run --silent typecheck && npm test)
log "sdk unit tests took $(( $(date +%s) - started )) s"

log "gateway typecheck and unit tests"
started=$(date +%s)
(cd gateway && npm run --silent typecheck && npm run --silent test:unit)
log "gateway unit tests took $(( $(date +%s) - started )) s"

log "Rust tests (release profile, the node's own build)"
started=$(date +%s)
cargo test "${RELEASE_BUILD[@]}"
log "Rust build and tests took $(( $(date +%s) - started )) s"

# The benchmarks run as unit tests on each pallet's mock runtime, so they keep compiling and
# reaching their worst case. A debug build without the wasm, in its own target dir: its
# features differ from the release build's.
features=()
for dir in pallets/*/; do
	[ -f "$dir/src/benchmarking.rs" ] && features+=("pallet-$(basename "$dir")/runtime-benchmarks")
done
if [ "${#features[@]}" -gt 0 ]; then
	log "pallet benchmarks as tests (${features[*]})"
	started=$(date +%s)
	packages=()
	for f in "${features[@]}"; do packages+=(-p "${f%%/*}"); done
	SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$target/benchmark-tests" \
		cargo test --locked --lib "${packages[@]}" --features "$(IFS=,; echo "${features[*]}")"
	log "benchmark tests took $(( $(date +%s) - started )) s"
fi

# The next runtime release for the upgrade test: the same runtime with spec_version + 1
# (feature `upgrade-test`), in a target dir of its own so that its wasm never replaces the one
# the node embeds.
log "building the next runtime (upgrade-test) for the upgrade end-to-end test"
started=$(date +%s)
CARGO_TARGET_DIR="$target/upgrade-runtime" cargo build --release --locked -p telemed-runtime \
	--features upgrade-test,metadata-hash
export TELEMED_UPGRADE_WASM="$target/upgrade-runtime/release/wbuild/telemed-runtime/telemed_runtime.compact.compressed.wasm"
log "next runtime took $(( $(date +%s) - started )) s"

# The SDK's flows against a real node (the binary just built): patient → practitioner through
# add, grant and seal, read, amend, revoke and re-key, shred; book and pay. About 2 min, most
# of it the node's start and 6-second blocks.
log "sdk integration test against $target/release/telemed-node"
started=$(date +%s)
(cd sdk && TELEMED_NODE="$target/release/telemed-node" npm run --silent test:chain)
log "sdk integration test took $(( $(date +%s) - started )) s"

log "gateway integration test (two gateways, two IPFS nodes) against $target/release/telemed-node"
started=$(date +%s)
(cd gateway && TELEMED_NODE="$target/release/telemed-node" npm run --silent test:integration)
log "gateway integration test took $(( $(date +%s) - started )) s"

log "end-to-end tests against $target/release/telemed-node"
started=$(date +%s)
(cd e2e && npm run --silent typecheck && TELEMED_NODE="$target/release/telemed-node" npm test)
log "end-to-end tests took $(( $(date +%s) - started )) s"
