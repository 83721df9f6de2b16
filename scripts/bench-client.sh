#!/usr/bin/env bash
# Client benchmark (not a test): HPKE seals per second, content encryption MB/s, store-and-fetch
# latency of a 1 MB synthetic FHIR bundle across two gateways with their own IPFS nodes, and the
# SDK's add-record and read-record flows end to end against a dev node (median of
# BENCH_ROUNDS, default 5). Runs sdk/scripts/bench-client.ts with the gateway's Node 22 (Helia
# needs it) through `npm run bench` in sdk/. Prints the date, commit and load with the figures.
#   TELEMED_NODE=/path/to/telemed-node scripts/bench-client.sh
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_npm_packages sdk
ensure_npm_packages gateway

cd "$TELEMED_ROOT"
echo "date:   $(date -u +%Y-%m-%dT%H:%MZ)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- sdk gateway || echo ' (with local changes)')"
echo "node:   ${TELEMED_NODE:-(the release build)}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# @polkadot/api warns on stderr that the SDK's and the gateway's copies are both loaded; keep
# stderr in a file and show it only on failure.
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
(cd sdk && npm run --silent bench) 2>"$errors" || { cat "$errors" >&2; exit 1; }
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
