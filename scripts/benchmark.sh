#!/usr/bin/env bash
# Benchmarks Telemed pallets and writes their `weights.rs`, with frame-omni-bencher (the
# polkadot-sdk stable2609 benchmark CLI) against the runtime wasm built with
# `runtime-benchmarks`.
#
#   scripts/benchmark.sh                 # every Telemed pallet
#   scripts/benchmark.sh practitioners   # one pallet (its folder under pallets/)
#   scripts/benchmark.sh runtime         # the upstream pallets and transaction extensions whose
#                                        # weights the runtime takes from runtime/src/weights/
#   scripts/benchmark.sh pallet_proxy    # one of those (its name in the list below)
#   scripts/benchmark.sh storage DIR     # the database's read and write prices (the runtime's
#                                        # DbWeight, runtime/src/weights/paritydb_weights.rs) on
#                                        # the chain whose base path is DIR, e.g. the one
#                                        # `scripts/load.sh --keep-db DIR` leaves; writes
#                                        # are committed STORAGE_BATCH (1,000) at a time,
#                                        # about a tenth of a full block's
#
# Environment: STEPS (default 50), REPEAT (default 20), BENCH_TARGET_DIR (the cargo target
# dir of the benchmark build; separate from the test build, whose features differ),
# BENCH_NO_BUILD=1 (benchmark the wasm built last, as it is).
# Run on the machine the weights are for, with nothing else running: the weights are measured.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_prerequisites

cd "$TELEMED_ROOT"
steps="${STEPS:-50}"
repeat="${REPEAT:-20}"
bench_target="${BENCH_TARGET_DIR:-$HOME/.cache/telemed/bench-target}"
tools="${TELEMED_TOOLS:-$HOME/.cache/telemed/tools}"
omni="$tools/bin/frame-omni-bencher"

# The database's prices need the node's own backend: `telemed-node benchmark storage`, in a node
# built with the feature `storage-benchmark` (in the tools' target dir, apart from the test and
# benchmark builds; no wasm: the chain spec comes from the node under test).
if [ "${1:-}" = storage ]; then
	base="${2:?usage: scripts/benchmark.sh storage DIR (the base path of a chain)}"
	node="${TELEMED_NODE:-${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}/release/telemed-node}"
	[ -d "$base/chains/telemed_dev/paritydb" ] || { echo "no dev chain database under $base" >&2; exit 1; }
	log "building telemed-node with storage-benchmark"
	SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$HOME/.cache/telemed/tools-target" \
		cargo build --release --locked -p telemed-node --features storage-benchmark
	spec=$(mktemp -t telemed-dev-spec.XXXXXX.json)
	trap 'rm -f "$spec"' EXIT
	"$node" export-chain-spec --chain dev --raw >"$spec" 2>/dev/null
	log "benchmarking the database of $base"
	"$HOME/.cache/telemed/tools-target/release/telemed-node" benchmark storage \
		--chain "$spec" --base-path "$base" --database paritydb --state-version 1 \
		--batch-size "${STORAGE_BATCH:-1000}" \
		--header scripts/templates/weights-header.txt \
		--template-path scripts/templates/storage-weights.hbs \
		--weight-path runtime/src/weights/
	exit 0
fi

if [ ! -x "$omni" ]; then
	log "installing frame-omni-bencher 0.28.0 (stable2609) into $tools"
	# Without wasm: the CLI embeds a test runtime (frame-storage-access-test-runtime) for
	# `benchmark storage` alone, and its wasm build fails under `cargo install` ("Failed to find
	# entry for package"); pallets are benchmarked against our runtime's wasm (--runtime).
	SKIP_WASM_BUILD=1 cargo install frame-omni-bencher@0.28.0 --locked --root "$tools" \
		--target-dir "$HOME/.cache/telemed/tools-target"
fi

if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
	log "building the runtime wasm with runtime-benchmarks"
	CARGO_TARGET_DIR="$bench_target" cargo build --release --locked -p telemed-runtime \
		--features runtime-benchmarks
fi
wasm="$bench_target/release/wbuild/telemed-runtime/telemed_runtime.compact.compressed.wasm"

# The upstream pallets measured here: their files in runtime/src/weights/ are named after them
# and written with the CLI's default template (a `WeightInfo<T>` implementing the pallet's
# trait).
upstream=(frame_system frame_system_extensions pallet_balances pallet_timestamp
	pallet_transaction_payment pallet_grandpa pallet_utility pallet_multisig pallet_proxy)
# Those whose weight trait is not the benchmarks' own: written with the pallets' template (a
# `WeightInfo` trait of the benchmarks and `SubstrateWeight`), from which runtime/src/weights/
# mod.rs builds the pallet's trait. GRANDPA's `report_equivocation` is its benchmark
# `check_equivocation_proof`.
own_trait=(pallet_grandpa)

# upstream_benchmark PALLET: one of `upstream` into runtime/src/weights/PALLET.rs.
upstream_benchmark() {
	if [[ " ${own_trait[*]} " == *" $1 "* ]]; then
		benchmark "$1" "runtime/src/weights/$1.rs" --template scripts/templates/frame-weight-template.hbs
	else
		benchmark "$1" "runtime/src/weights/$1.rs"
	fi
}

if [ "$#" -gt 0 ]; then pallets=("$@"); else
	pallets=()
	for dir in pallets/*/; do
		[ -f "$dir/src/benchmarking.rs" ] && pallets+=("$(basename "$dir")")
	done
	pallets+=(runtime)
fi

# benchmark PALLET OUTPUT [CLI options]: every benchmark of PALLET into the weight file OUTPUT.
benchmark() {
	local pallet="$1" output="$2"
	shift 2
	log "benchmarking $pallet (steps $steps, repeat $repeat)"
	"$omni" v1 benchmark pallet \
		--runtime "$wasm" \
		--genesis-builder-preset development \
		--pallet "$pallet" --extrinsic '*' \
		--steps "$steps" --repeat "$repeat" \
		--heap-pages 4096 \
		--header scripts/templates/weights-header.txt \
		--output "$output" "$@"
}

for name in "${pallets[@]}"; do
	if [ "$name" = runtime ]; then
		for pallet in "${upstream[@]}"; do
			upstream_benchmark "$pallet"
		done
		# The base weights of a block and of an extrinsic (a signed remark): block_weights.rs
		# and extrinsic_weights.rs. The runtime subtracts the transaction extensions' execution
		# from the latter (runtime/src/weights/mod.rs). The CLI's template imports sp_weights,
		# which the runtime reaches through frame_support.
		log "benchmarking the block and extrinsic overhead"
		"$omni" v1 benchmark overhead \
			--runtime "$wasm" \
			--genesis-builder-preset development \
			--warmup 10 --repeat 50 \
			--header scripts/templates/weights-header.txt \
			--weight-path runtime/src/weights/
		sed -i 's/\bsp_weights::/frame_support::weights::/' \
			runtime/src/weights/block_weights.rs runtime/src/weights/extrinsic_weights.rs
		continue
	fi
	if [[ " ${upstream[*]} " == *" $name "* ]]; then
		upstream_benchmark "$name"
		continue
	fi
	dir="pallets/$name"
	[ -f "$dir/src/benchmarking.rs" ] || { echo "no benchmarks in $dir" >&2; exit 1; }
	benchmark "pallet_${name//-/_}" "$dir/src/weights.rs" \
		--template scripts/templates/frame-weight-template.hbs
done
