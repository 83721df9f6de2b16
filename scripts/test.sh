#!/usr/bin/env bash
# Runs every test: the SDK's, the gateway's and the FHIR facade's unit tests (sdk/, gateway/,
# fhir/, no chain), the Rust tests of every crate (pallets, runtime, node command line), their
# integration tests (against a real node; the gateway's with two gateways), the operator kit's
# tests and the end-to-end tests that drive a real telemed-node with @polkadot/api.
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
# A failing step ends the script: the jobs running beside it end with it. `beside` holds the
# node-backed jobs that run side by side (name → process).
declare -A beside=()
trap 'for job in $client $bench "${beside[@]}"; do kill "$job" 2>/dev/null || true; done; rm -rf "$logs"' EXIT

# The client side first needs the network (npm packages, Debian's chromium for the web app's
# end-to-end test) and then CPU (zepter's build, the unit tests: about 8 min of a core from
# nothing) that the Rust build, the critical path from nothing, should not lose: after the
# downloads it drops to the lowest priority (nice 19) and takes the cores the Rust build leaves
# idle (its long build scripts and links), then those of the node-backed tests, which mostly wait
# for blocks. Its output is shown after those tests.
client_side() {
	local started
	started=$(date +%s)
	for package in sdk gateway e2e fhir app; do ensure_npm_packages "$package"; done
	ensure_chromium
	log "npm packages and chromium took $(( $(date +%s) - started )) s"
	renice -n 19 -p "$BASHPID" >/dev/null
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
	log "fhir typecheck and unit tests"
	started=$(date +%s)
	(cd fhir && npm run --silent typecheck && npm test)
	log "fhir unit tests took $(( $(date +%s) - started )) s"
	started=$(date +%s)
	scripts/app-test.sh unit
	log "app unit tests took $(( $(date +%s) - started )) s"
}
log "npm packages, zepter and the client side's unit tests, in the background"
client_side >"$logs/client" 2>&1 &
client=$!

# The benchmarks run as unit tests on each pallet's mock runtime, so they keep compiling and
# reaching their worst case. A debug build without the wasm, in its own target dir: its
# features differ from the release build's. It runs beside the release build at the lowest
# priority (nice 19: at nice 10 it still took a tenth of each busy core from the critical path),
# filling the cores where that build leaves one idle (a long build script or link running
# alone) and then those of the node-backed tests; its output is shown at the end.
features=()
for dir in pallets/*/; do
	[ -f "$dir/src/benchmarking.rs" ] && features+=("pallet-$(basename "$dir")/runtime-benchmarks")
done
packages=()
for f in "${features[@]}"; do packages+=(-p "${f%%/*}"); done
log "pallet benchmarks as tests, in the background (${features[*]})"
bench_started=$(date +%s)
SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$target/benchmark-tests" \
	nice -n 19 cargo test --locked --lib "${packages[@]}" --features "$(IFS=,; echo "${features[*]}")" \
	>"$logs/bench" 2>&1 &
bench=$!

# `--tests`: every crate's unit and integration tests, no doc tests (there are none; rustdoc
# would still compile every crate again to find out). `--timings` leaves a report of what took
# the time in $target/cargo-timings/ (the CI budget is tight from nothing).
log "Rust tests (release profile, the node's own build)"
started=$(date +%s)
cargo test "${RELEASE_BUILD[@]}" --tests --timings
log "Rust build and tests took $(( $(date +%s) - started )) s"

# The next runtime release for the upgrade tests (the same runtime with spec_version + 1, and
# with try-runtime: the CI's try-runtime build) came with the Rust build above: the crate
# testing/next-runtime builds it as a wasm project of its own, sharing every native dependency
# with the node's build. The governance suite upgrades a dev chain to it; the upgrade-with-state
# suite upgrades to it a chain started from the previous release's runtime (a checked-in wasm,
# testing/artifacts/: nothing to build) and runs the migrations' try-runtime checks through it.
export TELEMED_UPGRADE_WASM="$target/release/wbuild/telemed-runtime-next/telemed_runtime_next.compact.compressed.wasm"
[ -f "$TELEMED_UPGRADE_WASM" ] || { echo "the next runtime was not built: $TELEMED_UPGRADE_WASM" >&2; exit 1; }

# Against the node just built, side by side (each starts nodes of its own and mostly waits for
# 6-second blocks, about 2 min in all):
# - the SDK's flows: patient → practitioner through add, grant and seal, read, amend, revoke and
#   re-key, shred; book and pay;
# - the gateway's integration test: two gateways with their own IPFS nodes, the key service;
# - the FHIR facade as an EHR uses it: a consent, an Observation written and read, the
#   DocumentReference and AuditEvent searches, a stranger refused; every resource validated;
# - the web app in Debian's headless Chromium: a patient and a clinician in two browser
#   contexts (add a record, share it, read it decrypted, the read in the log, revoke, refused;
#   a visit booked, accepted, its verified end-to-end session through the gateway's relay,
#   delivered and paid; a prescription issued, opened with its dispense code, checked and
#   dispensed once by a pharmacist);
# - the load harness's smoke run (scripts/load.sh --smoke: every workload's burst and a short
#   stream all included; nothing asserted about speed);
# - the operator kit's tests (ops/): a new network's chain spec made from a config (no
#   development key in it, a node authors from it), a backup restored (export, wipe, import,
#   the same state root), consortium mode (an outsider gets no block until admitted).
node_bin="$target/release/telemed-node"
log "sdk, gateway and fhir integration tests and the operator kit's tests against $node_bin, side by side"
started=$(date +%s)
# $1 the job's name (its log's); the rest the command.
run_beside() {
	local name="$1"
	shift
	TELEMED_NODE="$node_bin" "$@" >"$logs/$name" 2>&1 &
	beside[$name]=$!
}
run_beside sdk-chain bash -c 'cd sdk && npm run --silent test:chain'
run_beside gateway-chain bash -c 'cd gateway && npm run --silent test:integration'
run_beside fhir-chain bash -c 'cd fhir && npm run --silent test:integration'
run_beside ops-network scripts/new-network-test.sh
run_beside ops-backup scripts/backup-restore-test.sh
run_beside ops-consortium scripts/consortium-test.sh
run_beside app-e2e scripts/app-test.sh e2e
run_beside load-smoke scripts/load.sh --smoke
failed_beside=()
for name in "${!beside[@]}"; do
	wait "${beside[$name]}" || failed_beside+=("$name")
	cat "$logs/$name" >&2
done
beside=()
[ "${#failed_beside[@]}" -eq 0 ] || { log "FAILED beside the node: ${failed_beside[*]}"; exit 1; }
log "integration and operator kit tests took $(( $(date +%s) - started )) s"

log "zepter and the client side's unit tests (started in the background)"
if wait "$client"; then
	client=""
	cat "$logs/client" >&2
else
	cat "$logs/client" >&2
	log "zepter or the client side's unit tests FAILED"
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
