#!/usr/bin/env bash
# Tests the backup and restore of ops/RUNBOOK.md against a real node binary ($TELEMED_NODE,
# default target/release/telemed-node); run by scripts/test.sh.
#   1. A `--dev` node with a base path of its own runs until block 3 is finalized; the last
#      finalized block's header (its state root) and its whole state (every key and value, over
#      RPC) are noted; the node stops.
#   2. Backup: `export-blocks --binary` up to that block, to a file.
#   3. The base path is wiped; `import-blocks` rebuilds a fresh one from the file, executing
#      every block again (an import checks each block's state root against its header).
#   4. A node started on the restored base path serves the same header (state root) and the same
#      state, key for key, at that block over RPC, and goes on to author the next block.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
. "$TELEMED_ROOT/scripts/node-helpers.sh"

node="${TELEMED_NODE:-${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}/release/telemed-node}"
work=$(mktemp -d -t telemed-backup-test.XXXXXX)
node_pid=""
trap 'stop_node "$node_pid"; rm -rf "$work"' EXIT
# Stopped by a signal (scripts/test.sh ending its jobs): the EXIT trap still stops the node.
trap 'exit 143' TERM
trap 'exit 130' INT
base="$work/base"
failed() {
	echo "FAILED: $*" >&2
	exit 1
}
started=$SECONDS

# Runs the dev node on $base in the background (RPC on $rpc_port), its pid in node_pid.
start_node() {
	rpc_port=$(free_port)
	"$node" --dev --base-path "$base" --rpc-port "$rpc_port" \
		--listen-addr "/ip4/127.0.0.1/tcp/$(free_port)" \
		--no-prometheus --no-telemetry --no-mdns >"$work/node-$1.log" 2>&1 &
	node_pid=$!
}

# The whole state at block $2 of the node on port $1, as read over RPC: every storage key and its
# value (one page suffices: a young dev chain has about a hundred keys).
state_at() {
	local hash keys
	hash=$(rpc "$1" chain_getBlockHash "[$2]")
	keys=$(rpc "$1" state_getKeysPaged "[\"0x\", 1000, null, $hash]")
	[ "$(jq length <<<"$keys")" -lt 1000 ] || failed "more than one page of keys"
	rpc "$1" state_queryStorageAt "[$keys, $hash]" | jq -S '.[0].changes | sort'
}

# 1. Some blocks; the last finalized one, its header and its state are what the backup must
# give back.
start_node before
wait_finalized "$rpc_port" "$node_pid" "$work/node-before.log" 3 || failed "no blocks"
number=$(block_number "$rpc_port" finalized)
header=$(rpc "$rpc_port" chain_getHeader "[$(rpc "$rpc_port" chain_getBlockHash "[$number]")]")
state_at "$rpc_port" "$number" >"$work/state-before.json"
stop_node "$node_pid"
node_pid=""

# 2. Backup: the blocks up to it, in the binary form (SCALE).
"$node" export-blocks --chain dev --base-path "$base" --to "$number" --binary "$work/blocks.bin" \
	2>"$work/export.log" || { cat "$work/export.log" >&2; failed "export-blocks"; }

# 3. Wipe, restore into a fresh base path: every block is executed again, and its state root
# checked against its header.
rm -rf "$base"
"$node" import-blocks --chain dev --base-path "$base" --binary "$work/blocks.bin" \
	2>"$work/import.log" || { cat "$work/import.log" >&2; failed "import-blocks"; }

# 4. A node on the restored base path: the same header (state root included) and the same state
# at that block, and it goes on from there.
start_node after
wait_finalized "$rpc_port" "$node_pid" "$work/node-after.log" 0 ||
	failed "the restored node did not start"
restored=$(rpc "$rpc_port" chain_getHeader "[$(rpc "$rpc_port" chain_getBlockHash "[$number]")]")
[ "$restored" = "$header" ] || failed "header #$number: before $header, after $restored"
state_at "$rpc_port" "$number" >"$work/state-after.json"
cmp -s "$work/state-before.json" "$work/state-after.json" || failed "the state at #$number differs"
deadline=$((SECONDS + 120))
until [ "$(block_number "$rpc_port")" -gt "$number" ]; do
	[ "$SECONDS" -lt "$deadline" ] || failed "the restored node authored no block after #$number"
	sleep 1
done
stop_node "$node_pid"
node_pid=""
log "backup-restore: #$number restored (state root $(jq -r .stateRoot <<<"$header"), \
$(jq length "$work/state-after.json") keys alike), the node goes on ($((SECONDS - started)) s)"
