#!/usr/bin/env bash
# Tests consortium mode (ops/README.md, "Consortium mode") on loopback against a real node binary
# ($TELEMED_NODE, default target/release/telemed-node); run by scripts/test.sh.
#  1. Member A authors a `dev` chain with `--reserved-only`, its reserved set the member B;
#     B (a full node, not a validator) is reserved-only too, its reserved set A. B syncs A's
#     blocks. An outsider C knows A's address (a bootnode) and dials it: it gets no block, and
#     A's sync peers are B alone.
#  2. The control: A's operator adds C to A's reserved set (`system_addReservedPeer`, an unsafe
#     RPC method, on A's loopback only): C syncs. So it was the reserved set that
#     kept C out, not a broken C.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
. "$TELEMED_ROOT/scripts/node-helpers.sh"

node="${TELEMED_NODE:-${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}/release/telemed-node}"
work=$(mktemp -d -t telemed-consortium-test.XXXXXX)
pids=()
trap 'for pid in "${pids[@]}"; do stop_node "$pid"; done; rm -rf "$work"' EXIT
# Stopped by a signal (scripts/test.sh ending its jobs): the EXIT trap still stops the nodes.
trap 'exit 143' TERM
trap 'exit 130' INT
failed() {
	echo "FAILED: $*" >&2
	for name in a b c; do
		echo "--- node $name's log:" >&2
		tail -n 20 "$work/$name.log" >&2 || true
	done
	exit 1
}
started=$SECONDS

# Each node: a node key of its own (its peer id), a p2p port and an RPC port.
declare -A peer p2p rpc address
for name in a b c; do
	"$node" key generate-node-key --chain dev --file "$work/$name.key" 2>/dev/null
	peer[$name]=$("$node" key inspect-node-key --file "$work/$name.key")
	p2p[$name]=$(free_port)
	rpc[$name]=$(free_port)
	address[$name]="/ip4/127.0.0.1/tcp/${p2p[$name]}/p2p/${peer[$name]}"
done

# $1 the node's name; the rest its own flags.
start() {
	local name="$1"
	shift
	"$node" --base-path "$work/$name" --node-key-file "$work/$name.key" \
		--listen-addr "/ip4/127.0.0.1/tcp/${p2p[$name]}" --rpc-port "${rpc[$name]}" \
		--no-prometheus --no-telemetry --no-mdns "$@" >"$work/$name.log" 2>&1 &
	pids+=($!)
}
start a --dev --reserved-only --reserved-nodes "${address[b]}" --rpc-methods unsafe
start b --chain dev --reserved-only --reserved-nodes "${address[a]}"
start c --chain dev --bootnodes "${address[a]}"

wait_finalized "${rpc[a]}" "${pids[0]}" "$work/a.log" 3 || failed "member A finalized no block 3"
best_b=0
for _ in $(seq 1 60); do
	best_b=$(block_number "${rpc[b]}" 2>/dev/null || echo 0)
	[ "$best_b" -ge 3 ] && break
	sleep 1
done
[ "$best_b" -ge 3 ] || failed "member B did not sync (best block $best_b)"
# Two more of A's blocks (12 s) in which C could have synced, had A let it.
now_a=$(block_number "${rpc[a]}")
while [ "$(block_number "${rpc[a]}")" -lt $((now_a + 2)) ]; do sleep 1; done
best_c=$(block_number "${rpc[c]}")
[ "$best_c" -eq 0 ] || failed "the outsider C synced to block $best_c"
peers_a=$(rpc "${rpc[a]}" system_peers | jq -r '[.[].peerId] | sort | join(",")')
[ "$peers_a" = "${peer[b]}" ] || failed "A's sync peers are '$peers_a', not B alone"
log "consortium: member B synced to block $best_b; the outsider C has block 0 while A is at $((now_a + 2))"

# 2. C admitted: A adds it to its reserved set, and C syncs.
rpc "${rpc[a]}" system_addReservedPeer "[\"${address[c]}\"]" >/dev/null
target=$(block_number "${rpc[a]}")
for _ in $(seq 1 60); do
	best_c=$(block_number "${rpc[c]}" 2>/dev/null || echo 0)
	[ "$best_c" -ge "$target" ] && break
	sleep 1
done
[ "$best_c" -ge "$target" ] || failed "C admitted to A's reserved set did not sync (best $best_c)"
log "consortium: C admitted by A synced to block $best_c; $((SECONDS - started)) s"
