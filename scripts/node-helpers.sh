#!/usr/bin/env bash
# Helpers of the shell tests that start a telemed-node (scripts/new-network-test.sh,
# scripts/backup-restore-test.sh): free loopback ports, JSON-RPC over HTTP with curl, waiting for
# blocks, stopping the node they started. Sourced, never run.

# A TCP port on 127.0.0.1 that nothing listens on now and no other test run is handed: below the
# kernel's ephemeral range (an outgoing connection could take a port from that range while the
# node meant for it is still starting, a minute on a loaded machine), and reserved for this
# script (its pid, $$) in the directory testing/node.ts's freePort() shares:
# ${TMPDIR:-/tmp}/telemed-ports/<port>. A reservation whose owner is gone is removed, for a later
# draw.
free_port() {
	local dir="${TMPDIR:-/tmp}/telemed-ports" low=10000 high=32767 ephemeral port owner
	read -r ephemeral _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral=32768
	[ "$ephemeral" -gt 11000 ] && high=$((ephemeral - 1))
	mkdir -p "$dir"
	while :; do
		port=$((low + (RANDOM * 32768 + RANDOM) % (high - low + 1)))
		if ! (set -o noclobber && echo "$$" >"$dir/$port") 2>/dev/null; then
			owner=$(cat "$dir/$port" 2>/dev/null) || continue
			[[ "$owner" =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null || rm -f "$dir/$port"
			continue
		fi
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
			echo "$port"
			return
		}
	done
}

# JSON-RPC call on the node at 127.0.0.1:$1: method $2, params $3 (JSON, default []); prints the
# `result` (JSON), fails on an RPC error or no answer.
rpc() {
	local answer
	answer=$(curl -sS --max-time 5 -H 'Content-Type: application/json' \
		-d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
		"http://127.0.0.1:$1") || return 1
	jq -e 'has("result")' <<<"$answer" >/dev/null || {
		echo "$2: $answer" >&2
		return 1
	}
	jq -c '.result' <<<"$answer"
}

# The number of the best block (finalized with $2 = finalized) of the node on port $1.
block_number() {
	local hash=null
	[ "${2:-best}" = finalized ] && hash=$(rpc "$1" chain_getFinalizedHead)
	rpc "$1" chain_getHeader "[$hash]" | jq -r '.number' | xargs printf '%d\n'
}

# Waits until the node on port $1 (process $2, log $3) has finalized block $4, at most $5 seconds
# (default 300: a node's start compiles the runtime, which takes minutes on a busy machine).
wait_finalized() {
	local port="$1" pid="$2" log="$3" want="$4" deadline=$((SECONDS + ${5:-300})) n
	while [ "$SECONDS" -lt "$deadline" ]; do
		kill -0 "$pid" 2>/dev/null || {
			echo "the node exited; its log:" >&2
			tail -n 30 "$log" >&2
			return 1
		}
		if n=$(block_number "$port" finalized 2>/dev/null) && [ "$n" -ge "$want" ]; then
			return 0
		fi
		sleep 1
	done
	echo "no finalized block $want within the time; the node's log:" >&2
	tail -n 30 "$log" >&2
	return 1
}

# Stops the node process $1 (SIGINT: a clean shutdown that closes the database) and waits for it.
stop_node() {
	[ -n "${1:-}" ] || return 0
	kill -INT "$1" 2>/dev/null || return 0
	local waited=0
	while kill -0 "$1" 2>/dev/null && [ "$waited" -lt 30 ]; do
		sleep 1
		waited=$((waited + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
