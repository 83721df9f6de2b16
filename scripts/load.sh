#!/usr/bin/env bash
# The load harness (issue 15; README, "Load"): a release `telemed-node --dev` of its own, funded
# senders, and for each workload (transfer, remark, add_record, grant_consent, access_record,
# book) a burst of pre-signed transactions, then a sustained stream of transfers. Reports per
# block inclusion, why each block ended and its build time (the proposer's log), the weight
# used, TPS by block timestamps, inclusion within 2 blocks, finality lag p50/p95 and RSS, as a
# table (stdout) and JSON (--json FILE). Runs e2e/load/run.ts with e2e's Node 22.
#   scripts/load.sh                 the full run (200 senders × 20, a 5-minute stream; ~15 min)
#   scripts/load.sh --smoke         CI: 8 senders × 3, a 12-second stream; checks inclusion only
#   scripts/load.sh --senders 100 --per-sender 10 --stream-seconds 60 --workloads transfer,add_record
#   scripts/load.sh --keep-db DIR   keeps the node's database in DIR (a snapshot for
#                                   `scripts/benchmark.sh storage DIR`)
#   scripts/load.sh --node-arg=--trie-cache-size=0   more node flags (repeatable)
# The node: $TELEMED_NODE, else the release build in the cargo target dir (build it first).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
ensure_npm_packages e2e

cd "$TELEMED_ROOT"
log "load harness ($*) on $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- runtime pallets node || echo ' with local changes'), load $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
cd e2e
exec npm run --silent load -- "$@"
