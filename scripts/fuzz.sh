#!/usr/bin/env bash
# The long run of the runtime fuzzer (runtime/tests/fuzz.rs): random signed extrinsics over
# every pallet, block by block through `Executive`, every invariant checked after each block.
# Built with the `try-runtime` feature in a target dir of its own, so that every pallet's
# `try_state` (frame's included) runs after each block too.
#
#   scripts/fuzz.sh                          # an hour: the fixed seed, then a random one
#   scripts/fuzz.sh --seconds 600            # ten minutes per seed
#   scripts/fuzz.sh --seed 0x1234            # replay one seed (an hour, or --seconds N)
#   scripts/fuzz.sh --seed 0x1234 --blocks 57   # replay exactly the blocks of a finding
#
# A finding fails the test with its seed, block and call, and the command that replays it.
# Environment: FUZZ_TARGET_DIR (default ~/.cache/telemed/fuzz-target), TELEMED_FUZZ_COVERAGE=1
# (print, per call, how many dispatches succeeded).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"

seconds=3600
seed=""
blocks=""
while [ $# -gt 0 ]; do
	case "$1" in
		--seconds) seconds="$2"; shift 2 ;;
		--seed) seed="$2"; shift 2 ;;
		--blocks) blocks="$2"; shift 2 ;;
		-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
		*) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
	esac
done

cd "$TELEMED_ROOT"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/telemed/fuzz-target}"
# The fuzzer executes the runtime natively: no wasm blob (which would be built a second time,
# with try-runtime) is needed.
export SKIP_WASM_BUILD=1
build=(--release --locked -p telemed-runtime --features try-runtime --test integration)

log "building the runtime's integration tests with try-runtime in $CARGO_TARGET_DIR"
cargo test "${build[@]}" --no-run

# Without a seed both seeds run: each gets half the time.
per_seed="$seconds"
[ -z "$seed" ] && per_seed=$(( (seconds + 1) / 2 ))
log "fuzzing: ${seed:-the fixed seed and a random one}, $per_seed s per seed"
TELEMED_FUZZ_SECONDS="$per_seed" TELEMED_FUZZ_SEED="$seed" TELEMED_FUZZ_BLOCKS="$blocks" \
	cargo test "${build[@]}" -- --exact fuzz::random_signed_extrinsics_keep_every_invariant \
	--nocapture
