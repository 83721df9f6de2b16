#!/usr/bin/env bash
# The well-known development keys (//Alice … //Ferdie and their //stash, each as sr25519 and as
# ed25519: 24 public keys that anyone can sign with) and a check that none of them appears in a
# file. Sourced by scripts/new-network.sh and its test; can be run alone:
#   scripts/dev-keys.sh NODE_BINARY FILE...   # exit 1, naming each key found, if any appears
# A key is looked for as lowercase hex without `0x` (how a raw chain spec's storage holds it,
# inside keys and values) and as its SS58 address with the generic prefix 42 (how a plain
# chain spec names accounts and session keys). In a chain spec the runtime's code is left out
# of the search (`genesis.runtimeGenesis.code`, and `:code` in the raw storage): every runtime
# carries the development preset, so the keys may be in its wasm (compressed or not) as literal
# bytes by chance; what the check is about is the genesis state and configuration.

DEV_KEY_NAMES=(Alice Bob Charlie Dave Eve Ferdie)

# Prints `uri scheme hex ss58` for every development key; $1 is the telemed-node binary.
dev_public_keys() {
	local node="$1" name uri scheme json
	for name in "${DEV_KEY_NAMES[@]}"; do
		for uri in "//$name" "//$name//stash"; do
			for scheme in sr25519 ed25519; do
				json=$("$node" key inspect --scheme "$scheme" --output-type json "$uri")
				printf '%s %s %s %s\n' "$uri" "$scheme" \
					"$(jq -r '.publicKey | ltrimstr("0x")' <<<"$json")" \
					"$(jq -r '.ss58Address' <<<"$json")"
			done
		done
	done
}

# Fails, naming each development key found and where, if any appears in the files $2…; $1 is
# the telemed-node binary.
check_no_dev_keys() {
	local node="$1" keys found=0 uri scheme hex ss58 file
	shift
	keys=$(dev_public_keys "$node")
	[ "$(wc -l <<<"$keys")" -eq $((${#DEV_KEY_NAMES[@]} * 4)) ] || {
		echo "could not derive the development keys with $node" >&2
		return 1
	}
	local dir searched
	dir=$(mktemp -d)
	for file in "$@"; do
		# A chain spec without its runtime code; any other file as it is.
		searched="$dir/$(basename "$file").$RANDOM"
		jq 'del(.genesis.runtimeGenesis.code) | del(.genesis.raw.top["0x3a636f6465"])' "$file" \
			>"$searched" 2>/dev/null || cp "$file" "$searched"
		while read -r uri scheme hex ss58; do
			# Hex in either case; SS58 is case-sensitive.
			if grep -qiF -e "$hex" "$searched" || grep -qF -e "$ss58" "$searched"; then
				echo "development key $uri ($scheme, $ss58) found in $file" >&2
				found=1
			fi
		done <<<"$keys"
	done
	rm -rf "$dir"
	return "$found"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	[ $# -ge 2 ] || {
		echo "usage: $0 NODE_BINARY FILE..." >&2
		exit 2
	}
	check_no_dev_keys "$@"
fi
