#!/usr/bin/env bash
# Makes the chain spec of a new Telemed network from a small config file (ops/network.example.json
# documents every field): validators (account and session keys), council, technical committee,
# licensing authorities, initial balances, sudo (explicitly none, or one account), bootnodes,
# name, id and protocol id.
#   scripts/new-network.sh CONFIG OUT_DIR
# writes OUT_DIR/chain-spec.json (plain: readable, review it) and OUT_DIR/chain-spec.raw.json
# (raw genesis storage: what every node of the network starts with, `--chain
# OUT_DIR/chain-spec.raw.json`). The runtime (the wasm) is the one built into the node binary
# ($TELEMED_NODE, default target/release/telemed-node).
#
# How: the node's `local` chain spec gives the runtime code and the token properties; its genesis
# patch is replaced as a whole by one built from the config (only the base preset's balances of
# accounts that are no development key are kept: the network fee account's existential deposit),
# and the node turns it into raw storage, checking every key and bound as it builds the genesis.
# Last, the development keys (//Alice … //Ferdie, their //stash, sr25519 and ed25519) are looked
# for in both files: if one appears, both files are deleted and the script fails.
#
# Keys in the config are public keys only: an SS58 address or 0x-prefixed hex of 32 bytes. Any
# other text (a secret phrase, a //URI) is refused without being echoed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
. "$TELEMED_ROOT/scripts/dev-keys.sh"

[ $# -eq 2 ] || {
	echo "usage: $0 CONFIG OUT_DIR" >&2
	exit 2
}
config="$1"
out="$2"
node="${TELEMED_NODE:-${CARGO_TARGET_DIR:-$TELEMED_ROOT/target}/release/telemed-node}"
[ -x "$node" ] || {
	echo "no node binary at $node: build it (scripts/dev.sh) or set TELEMED_NODE" >&2
	exit 1
}
command -v jq >/dev/null || {
	echo "jq is required (apt-get install jq)" >&2
	exit 1
}
fail() {
	echo "$config: $*" >&2
	exit 1
}
jq -e 'type == "object"' "$config" >/dev/null 2>&1 || fail "not a JSON object"

# The config's shape, checked before any key is read: every error names its field.
problems=$(jq -r '
	def keys_of(path): path | if type == "array" then . else [] end;
	[
		(.name | if type == "string" and length > 0 then empty else "name: a non-empty string" end),
		(.id | if type == "string" and test("^[a-z0-9_]+$") then empty
			else "id: lowercase letters, digits and _ (it names the database directory)" end),
		(.protocolId | if type == "string" and test("^[a-z0-9-]+$") then empty
			else "protocolId: lowercase letters, digits and -" end),
		(.chainType // "Live" | if IN("Live", "Local", "Development") then empty
			else "chainType: Live (default), Local or Development" end),
		(.bootNodes // [] | if type == "array" and all(type == "string") then empty
			else "bootNodes: an array of multiaddrs ending in /p2p/<peer id>" end),
		(if has("sudo") then empty else
			"sudo: must be named explicitly: null (no sudo, governance only) or one account" end),
		(.validators | if type == "array" and length > 0 then empty
			else "validators: at least one {account, aura, grandpa}" end),
		(.council | if type == "array" and length > 0 then empty
			else "council: at least one account" end),
		(.technicalCommittee | if type == "array" and length > 0 then empty
			else "technicalCommittee: at least one account" end),
		(.licensingAuthorities // [] | if type == "array" then empty
			else "licensingAuthorities: an array of {account, name, jurisdictions}" end),
		(.balances // [] | if type == "array" then empty
			else "balances: an array of {account, med}" end),
		(keys_of(.validators) | to_entries[] | select(.value | type != "object"
			or ([.account, .aura, .grandpa] | all(type == "string") | not))
			| "validators[\(.key)]: {account, aura, grandpa}, each a public key"),
		(["council", "technicalCommittee"][] as $f | keys_of(.[$f]) | to_entries[]
			| select(.value | type != "string") | "\($f)[\(.key)]: a public key"),
		(if .sudo == null or (.sudo | type) == "string" then empty
			else "sudo: null or one account" end),
		(keys_of(.licensingAuthorities) | to_entries[] | select(.value | type != "object"
			or (.account | type) != "string")
			| "licensingAuthorities[\(.key)].account: a public key"),
		(keys_of(.balances) | to_entries[] | select(.value | type != "object"
			or (.account | type) != "string") | "balances[\(.key)].account: a public key"),
		(keys_of(.licensingAuthorities) | to_entries[] | select(.value | type == "object")
			| select((.value.name | type) != "string" or (.value.name | length) == 0
			or (.value.jurisdictions | type) != "array" or (.value.jurisdictions | length) == 0
			or (.value.jurisdictions
				| all(type == "string" and test("^[A-Z]{2}(-[A-Z0-9]{1,3})?$")) | not))
			| "licensingAuthorities[\(.key)]: a name and ISO 3166 jurisdictions (FR, GB-ENG)"),
		(keys_of(.balances) | to_entries[] | select(.value | type == "object")
			| select((.value.med | type) != "string"
			or (.value.med | test("^[0-9]+(\\.[0-9]{1,12})?$") | not))
			| "balances[\(.key)].med: a decimal string of MED (up to 12 decimals), e.g. \"1000.5\"")
	] | .[]' "$config")
[ -z "$problems" ] || fail "$(printf '\n  %s' "$problems")"

# A public key as the SS58 address (generic prefix 42) that chain specs use; $1 names the field
# for errors, $2 is the scheme, $3 the key. Never echoes the value: it could be a secret.
ss58_of() {
	local field="$1" scheme="$2" key="$3" json hex
	if [[ "$key" =~ ^0x[0-9a-fA-F]{64}$ ]]; then
		hex="$key"
	elif [[ "$key" =~ ^[1-9A-HJ-NP-Za-km-z]{46,48}$ ]]; then
		# `key inspect` reads an SS58 address as a public key (and says so: publicKeyUri).
		json=$("$node" key inspect --scheme "$scheme" --output-type json "$key" 2>/dev/null) || true
		hex=$(jq -r 'select(.publicKeyUri != null) | .publicKey' <<<"$json" 2>/dev/null) || true
		[ -n "$hex" ] || fail "$field: not a valid SS58 address (bad checksum?)"
	else
		fail "$field: not an SS58 address or 0x-prefixed 32-byte hex public key"
	fi
	json=$("$node" key inspect --public --scheme "$scheme" --network substrate \
		--output-type json "$hex")
	jq -r '.ss58Address' <<<"$json"
}

# The development keys' addresses: none may be named by the config.
dev_ss58=$(dev_public_keys "$node" | awk '{print $4}')
[ "$(wc -l <<<"$dev_ss58")" -eq $((${#DEV_KEY_NAMES[@]} * 4)) ] ||
	fail "could not derive the development keys with $node"

# Every key of the config, normalised; then the config itself with them replaced.
declare -A seen=()
subst=()
while IFS=$'\t' read -r path scheme key; do
	[ -n "${seen[$scheme:$key]:-}" ] || seen[$scheme:$key]=$(ss58_of "$path" "$scheme" "$key")
	! grep -qxF -e "${seen[$scheme:$key]}" <<<"$dev_ss58" ||
		fail "$path: a well-known development key (//Alice, //Bob, …): anyone can sign with it"
	subst+=("$path" "${seen[$scheme:$key]}")
done < <(jq -r '
	(.validators | to_entries[] | (
		["validators[\(.key)].account", "sr25519", .value.account],
		["validators[\(.key)].aura", "sr25519", .value.aura],
		["validators[\(.key)].grandpa", "ed25519", .value.grandpa])),
	(.council | to_entries[] | ["council[\(.key)]", "sr25519", .value]),
	(.technicalCommittee | to_entries[] | ["technicalCommittee[\(.key)]", "sr25519", .value]),
	(.licensingAuthorities // [] | to_entries[]
		| ["licensingAuthorities[\(.key)].account", "sr25519", .value.account]),
	(.balances // [] | to_entries[] | ["balances[\(.key)].account", "sr25519", .value.account]),
	(.sudo | select(. != null) | ["sudo", "sr25519", .])
	| map(if type == "string" then . else "" end) | @tsv' "$config")
# The same config with every key as SS58, as jq's input below.
keys_json=$(printf '%s\n' "${subst[@]}" | jq -R . | jq -s '
	[range(0; length; 2) as $i | {(.[$i]): .[$i + 1]}] | add // {}')
normalised=$(jq --argjson k "$keys_json" '
	.validators |= (to_entries | map(.key as $i | .value
		| .account = $k["validators[\($i)].account"]
		| .aura = $k["validators[\($i)].aura"]
		| .grandpa = $k["validators[\($i)].grandpa"]))
	| .council |= (to_entries | map($k["council[\(.key)]"]))
	| .technicalCommittee |= (to_entries | map($k["technicalCommittee[\(.key)]"]))
	| .licensingAuthorities |= ((. // []) | to_entries
		| map(.key as $i | .value | .account = $k["licensingAuthorities[\($i)].account"]))
	| .balances |= ((. // []) | to_entries
		| map(.key as $i | .value | .account = $k["balances[\($i)].account"]))
	| .sudo |= (if . == null then null else $k["sudo"] end)' "$config")

# Two entries that are the same account written two ways (SS58 and hex) are still one.
dup=$(jq -r '
	(.validators | map(.account) | group_by(.)[] | select(length > 1) | "validators"),
	(.balances | map(.account) | group_by(.)[] | select(length > 1) | "balances"),
	(.council | group_by(.)[] | select(length > 1) | "council"),
	(.technicalCommittee | group_by(.)[] | select(length > 1) | "technicalCommittee"),
	(.licensingAuthorities | map(.account) | group_by(.)[] | select(length > 1)
		| "licensingAuthorities")' <<<"$normalised" | sort -u)
[ -z "$dup" ] || fail "an account appears twice in: $(echo $dup)"

work=$(mktemp -d -t telemed-new-network.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# The base: the runtime code and properties of the node's `local` spec, no default bootnode.
"$node" build-spec --chain local --disable-default-bootnode --base-path "$work/base" \
	>"$work/base.json" 2>"$work/base.log" || {
	cat "$work/base.log" >&2
	exit 1
}

# MED (decimal string) to the smallest unit (12 decimals), as a digit string: u128 amounts do
# not fit jq's numbers (doubles), so they travel as strings marked `__u128__:` and become JSON
# numbers by text substitution at the end.
plain=$(jq --argjson cfg "$normalised" --argjson dev "$(jq -R . <<<"$dev_ss58" | jq -s .)" '
	def planck: (split(".") + [""])[0:2] as [$int, $frac]
		| ($int + ($frac + "000000000000")[0:12]) | sub("^0+(?=.)"; "");
	def utf8: explode | map(
		if . < 128 then [.]
		elif . < 2048 then [192 + (. / 64 | floor), 128 + (. % 64)]
		elif . < 65536 then
			[224 + (. / 4096 | floor), 128 + ((. / 64 | floor) % 64), 128 + (. % 64)]
		else [240 + (. / 262144 | floor), 128 + ((. / 4096 | floor) % 64),
			128 + ((. / 64 | floor) % 64), 128 + (. % 64)] end) | add // [];
	[.genesis.runtimeGenesis.patch.balances.balances[]
		| select(.[0] as $a | any($dev[]; . == $a) | not)] as $kept
	| if ($kept | map(.[1]) | all(type == "number" and . < 9007199254740992)) then .
		else error("the base preset holds a balance too large to carry exactly") end
	| .name = $cfg.name
	| .id = $cfg.id
	| .chainType = ($cfg.chainType // "Live")
	| .protocolId = $cfg.protocolId
	| .bootNodes = ($cfg.bootNodes // [])
	| .telemetryEndpoints = null
	| .genesis.runtimeGenesis.patch = {
		balances: { balances: (
			[$cfg.balances[] | [.account, "__u128__:\(.med | planck)"]]
			+ [$kept[] | [.[0], "__u128__:\(.[1])"]]) },
		validatorSet: { validators: [$cfg.validators[].account] },
		session: { keys: [$cfg.validators[]
			| [.account, .account, { aura: .aura, grandpa: .grandpa }]] },
		councilMembership: { members: $cfg.council },
		technicalMembership: { members: $cfg.technicalCommittee },
		sudo: { key: $cfg.sudo },
		practitioners: {
			authorities: [$cfg.licensingAuthorities[]
				| [.account, (.name | utf8), [.jurisdictions[] | utf8]]],
			practitioners: [],
			licences: []
		}
	}' "$work/base.json")

sed -E 's/"__u128__:([0-9]+)"/\1/g' <<<"$plain" >"$out/chain-spec.json"

"$node" build-spec --chain "$out/chain-spec.json" --raw --disable-default-bootnode \
	--base-path "$work/raw" >"$out/chain-spec.raw.json" 2>"$work/raw.log" || {
	cat "$work/raw.log" >&2
	rm -f "$out/chain-spec.json" "$out/chain-spec.raw.json"
	fail "the node refused the genesis (above)"
}

if ! check_no_dev_keys "$node" "$out/chain-spec.json" "$out/chain-spec.raw.json"; then
	rm -f "$out/chain-spec.json" "$out/chain-spec.raw.json"
	fail "a development key is in the genesis: nothing written"
fi
log "wrote $out/chain-spec.json (plain, to review) and $out/chain-spec.raw.json (raw: the nodes'" \
	"--chain)"
