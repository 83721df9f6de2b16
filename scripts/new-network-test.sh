#!/usr/bin/env bash
# Tests scripts/new-network.sh against a real node binary ($TELEMED_NODE, default
# target/release/telemed-node); run by scripts/test.sh.
#  1. Configs it must refuse (nothing written): no `sudo` named; a development key in the
#     council (//Alice's account, SS58) or as a GRANDPA key (//Bob's ed25519 key, hex); a secret
#     URI where a public key belongs (and the secret is not echoed).
#  2. From ops/network.example.json with its first validator replaced by a freshly generated key
#     (an SS58 address, the rest of the example's keys as hex): a plain and a raw spec in which
#     none of the 24 development keys (//Alice … //Ferdie and //stash, sr25519 and ed25519,
#     derived here with `key inspect`) appears, neither as hex nor as SS58; the checker itself
#     finds //Alice once planted in a copy. No sudo key in the raw storage; the name, id,
#     bootnodes and the licensing authority's UTF-8 name carried over.
#  3. A node started from the raw spec, with the generated key inserted as its Aura and GRANDPA
#     keys, authors and finalizes blocks, and serves the config's chain name. Its Prometheus
#     endpoint serves every substrate_* metric that ops/prometheus/alerts.yml and
#     ops/grafana/telemed-dashboard.json name (no invented metric name).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
. "$TELEMED_ROOT/scripts/dev-keys.sh"
. "$TELEMED_ROOT/scripts/node-helpers.sh"

node="${TELEMED_NODE:-${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}/release/telemed-node}"
export TELEMED_NODE="$node"
work=$(mktemp -d -t telemed-new-network-test.XXXXXX)
node_pid=""
trap 'stop_node "$node_pid"; rm -rf "$work"' EXIT
# Stopped by a signal (scripts/test.sh ending its jobs): the EXIT trap still stops the node.
trap 'exit 143' TERM
trap 'exit 130' INT
example="$TELEMED_ROOT/ops/network.example.json"
new_network="$TELEMED_ROOT/scripts/new-network.sh"
failed() {
	echo "FAILED: $*" >&2
	exit 1
}
started=$SECONDS

# 1. Refusals: each fails before building anything, and writes nothing.
refused() {
	local what="$1" config="$2" expect="$3" out
	if out=$("$new_network" "$config" "$work/refused" 2>&1); then
		failed "$what: accepted"
	fi
	grep -qF -- "$expect" <<<"$out" || failed "$what: the error does not say '$expect': $out"
	[ ! -e "$work/refused/chain-spec.json" ] || failed "$what: a spec was written"
	printf '%s' "$out"
}
jq 'del(.sudo)' "$example" >"$work/no-sudo.json"
refused "no sudo named" "$work/no-sudo.json" "sudo: must be named explicitly" >/dev/null
alice=$("$node" key inspect --scheme sr25519 --output-type json //Alice | jq -r .ss58Address)
jq --arg a "$alice" '.council[1] = $a' "$example" >"$work/alice-council.json"
refused "//Alice in the council" "$work/alice-council.json" \
	"council[1]: a well-known development key" >/dev/null
# The same key written as hex, and an ed25519 one: //Bob's GRANDPA key as a validator's.
bob_ed=$("$node" key inspect --scheme ed25519 --output-type json //Bob | jq -r .publicKey)
jq --arg k "$bob_ed" '.validators[2].grandpa = $k' "$example" >"$work/bob-grandpa.json"
refused "//Bob's ed25519 key as hex" "$work/bob-grandpa.json" \
	"validators[2].grandpa: a well-known development key" >/dev/null
secret="bottom drive obey lake curtain smoke basket hold race lonely fit walk//secret"
jq --arg s "$secret" '.validators[0].aura = $s' "$example" >"$work/secret.json"
out=$(refused "a secret URI as a key" "$work/secret.json" "validators[0].aura: not an SS58 address")
! grep -qF "bottom drive" <<<"$out" || failed "the secret was echoed: $out"
log "new-network: 4 bad configs refused"

# 2. A spec from the example with one real validator (a key generated for this test only).
phrase=$("$node" key generate --scheme sr25519 --output-type json | jq -r .secretPhrase)
sr=$("$node" key inspect --scheme sr25519 --output-type json "$phrase" | jq -r .ss58Address)
ed=$("$node" key inspect --scheme ed25519 --output-type json "$phrase" | jq -r .ss58Address)
jq --arg sr "$sr" --arg ed "$ed" '
	.validators = [{account: $sr, aura: $sr, grandpa: $ed}]
	| .balances += [{account: $sr, med: "10"}]' "$example" >"$work/network.json"
"$new_network" "$work/network.json" "$work/spec"
plain="$work/spec/chain-spec.json"
raw="$work/spec/chain-spec.raw.json"

check_no_dev_keys "$node" "$plain" "$raw" || failed "a development key is in the spec"
# The check finds a key when there is one: //Alice's account in a copy of each file.
alice_hex=$("$node" key inspect --scheme sr25519 --output-type json //Alice | jq -r .publicKey)
jq --arg a "$alice" '.genesis.runtimeGenesis.patch.councilMembership.members[0] = $a' "$plain" \
	>"$work/planted.json"
! check_no_dev_keys "$node" "$work/planted.json" 2>/dev/null ||
	failed "the check missed //Alice (SS58)"
jq --arg v "$alice_hex" '.genesis.raw.top["0x00"] = $v' "$raw" >"$work/planted.raw.json"
! check_no_dev_keys "$node" "$work/planted.raw.json" 2>/dev/null ||
	failed "the check missed //Alice (hex)"

# Sudo::Key (twox128("Sudo") ++ twox128("Key")) is not in the raw storage: no sudo (the `dev`
# chain's raw storage has it, holding //Alice).
sudo_key=0x5c0d1176a568c1f92944340dbfed9e9c530ebca703c85910e7164cb7d1c9e47b
! jq -e --arg k "$sudo_key" '.genesis.raw.top | has($k)' "$raw" >/dev/null ||
	failed "the raw spec has a sudo key"
jq -e '.name == "Telemed Example Network" and .id == "telemed_example" and .protocolId ==
	"telemed-example" and (.bootNodes | length) == 2' "$raw" >/dev/null ||
	failed "name, id, protocol id or bootnodes not carried over"
# "Example Médical Board" in UTF-8 (é is c3 a9) is in the storage of the practitioners pallet.
name_hex=$(printf 'Example M\xc3\xa9dical Board' | od -An -tx1 | tr -d ' \n')
grep -qF "$name_hex" "$raw" || failed "the authority's UTF-8 name is not in the raw storage"
log "new-network: no development key in the spec, no sudo, the config carried over"

# 3. A node from the raw spec authors and finalizes with the generated key.
base="$work/node"
for key in sr25519:aura ed25519:gran; do
	"$node" key insert --base-path "$base" --chain "$raw" \
		--scheme "${key%%:*}" --key-type "${key#*:}" --suri "$phrase"
done
# A validator needs a network key of its own (the node never makes one up for a validator).
"$node" key generate-node-key --base-path "$base" --chain "$raw" 2>/dev/null
rpc_port=$(free_port)
p2p_port=$(free_port)
prometheus_port=$(free_port)
# One validator has no peer: --force-authoring lets it author alone. --reserved-only: no dialling
# of the example's placeholder bootnodes.
"$node" --chain "$raw" --base-path "$base" --validator --force-authoring --reserved-only \
	--rpc-port "$rpc_port" --listen-addr "/ip4/127.0.0.1/tcp/$p2p_port" \
	--prometheus-port "$prometheus_port" --no-telemetry --no-mdns >"$work/node.log" 2>&1 &
node_pid=$!
wait_finalized "$rpc_port" "$node_pid" "$work/node.log" 1 || failed "no block finalized"
[ "$(rpc "$rpc_port" system_chain)" = '"Telemed Example Network"' ] || failed "system_chain"
curl -sS --max-time 5 "http://127.0.0.1:$prometheus_port/metrics" >"$work/metrics.txt"
named=$(grep -ohE '\bsubstrate_[a-z0-9_]+' "$TELEMED_ROOT/ops/prometheus/alerts.yml" \
	"$TELEMED_ROOT/ops/grafana/telemed-dashboard.json" | sort -u)
[ -n "$named" ] || failed "no metric named in ops/"
for metric in $named; do
	grep -qE "^$metric[{ ]" "$work/metrics.txt" ||
		failed "ops/ names $metric, which the node does not serve"
done
stop_node "$node_pid"
node_pid=""
log "new-network: a node from the spec authored and finalized blocks and served the" \
	"$(wc -w <<<"$named") metrics ops/ names ($((SECONDS - started)) s)"
