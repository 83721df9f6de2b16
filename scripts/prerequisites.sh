#!/usr/bin/env bash
# Installs what building and testing Telemed needs, and only what is missing:
#   - Debian packages: a C/C++ toolchain, clang, protobuf-compiler (libp2p/litep2p), git, Node.js,
#     jq (the operator scripts and their tests);
#   - the Rust toolchain parts named in rust-toolchain.toml (rust-src, the wasm target);
#   - the e2e tests' npm packages (with `--e2e`; also the SDK's and the gateway's, which e2e
#     imports by relative path: sdk/ needs no build, it exports its TypeScript sources);
#   - the SDK's npm packages (with `--sdk`);
#   - the gateway's npm packages, and the SDK's it links (with `--gateway`; they bring their own
#     Node 22 binary).
# Sourced by dev.sh and test.sh; can be run alone.
set -euo pipefail

TELEMED_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The wasm builder looks for Cargo.lock upwards from the target dir; when the target dir lives
# outside the clone (CI keeps it under ~/.cache) it must be told where the workspace is, or the
# runtime's wasm would be built with unlocked dependency versions.
export WASM_BUILD_WORKSPACE_HINT="${WASM_BUILD_WORKSPACE_HINT:-$TELEMED_ROOT}"

# The one release build: scripts/test.sh runs `cargo test "${RELEASE_BUILD[@]}"` and
# scripts/dev.sh builds the node with `cargo test "${RELEASE_BUILD[@]}" --no-run`. The same
# packages and features, so one build serves both (cargo unifies the features of the packages it
# builds, dev-dependencies included: `cargo build -p telemed-node` would build another set and
# rebuild the runtime and the node).
RELEASE_BUILD=(--release --locked --workspace)

# litep2p's WebRTC (str0m) asks for a vendored OpenSSL: building OpenSSL from source took 5 min of
# CI from nothing. The system's (Debian's libssl-dev, OpenSSL 3) serves as well; the node then
# links libssl.so.3 dynamically.
export OPENSSL_NO_VENDOR="${OPENSSL_NO_VENDOR-1}"

# Clippy lints the workspace's own crates in that same build (and in the benchmark tests'):
# cargo runs clippy-driver instead of rustc for workspace members only, which compiles them as
# rustc does and reports clippy's lints too; `-D warnings` makes every warning of rustc or
# clippy an error. The lint levels are the workspace's (`[workspace.lints]` in Cargo.toml). One
# build, not a second `cargo clippy` checking every dependency again; dev.sh builds with the
# same settings, so that it reuses test.sh's artifacts (clippy-driver keeps rustc's code
# generation but turns off MIR optimisations in the crates it lints; the runtime's wasm, built by
# the wasm builder as a project of its own, is not affected).
export RUSTC_WORKSPACE_WRAPPER="${RUSTC_WORKSPACE_WRAPPER-clippy-driver}"
export CLIPPY_ARGS="${CLIPPY_ARGS--D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__}"

# Feature propagation (`std`, `runtime-benchmarks`, `try-runtime` reach every dependency that
# has them) is checked by zepter (.config/zepter.yaml), installed under the target dir.
ZEPTER_VERSION=1.88.2

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "need root (or sudo) to run: $*" >&2
		return 1
	fi
}

ensure_debian_packages() {
	local wanted=(build-essential clang libclang-dev protobuf-compiler pkg-config libssl-dev git curl ca-certificates jq nodejs npm)
	local missing=()
	for pkg in "${wanted[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	# A Node.js that did not come from Debian (nvm, a tarball) serves as well.
	if command -v node >/dev/null && command -v npm >/dev/null; then
		missing=("${missing[@]/nodejs}")
		missing=("${missing[@]/npm}")
	fi
	local todo=()
	for pkg in "${missing[@]}"; do [ -n "$pkg" ] && todo+=("$pkg"); done
	if [ "${#todo[@]}" -gt 0 ]; then
		if ! command -v apt-get >/dev/null; then
			echo "missing packages (${todo[*]}) and no apt-get: install them by hand" >&2
			return 1
		fi
		log "installing Debian packages: ${todo[*]}"
		as_root apt-get update -qq
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${todo[@]}" >/dev/null
	fi
}

ensure_rust() {
	if ! command -v cargo >/dev/null; then
		# shellcheck disable=SC1091
		[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
	fi
	command -v rustup >/dev/null || { echo "rustup is required: https://rustup.rs" >&2; return 1; }
	# rust-toolchain.toml names the components and target; make sure they are there.
	(cd "$TELEMED_ROOT" && rustup show active-toolchain >/dev/null)
	local installed
	installed="$(cd "$TELEMED_ROOT" && rustup target list --installed)"
	grep -qx wasm32v1-none <<<"$installed" || (cd "$TELEMED_ROOT" && rustup target add wasm32v1-none)
	local component
	for component in rust-src rustfmt clippy; do
		(cd "$TELEMED_ROOT" && rustup component list --installed | grep -q "^$component") ||
			(cd "$TELEMED_ROOT" && rustup component add "$component")
	done
}

# zepter at ZEPTER_VERSION in $1/bin (built from crates.io once; about 2 min on two cores).
ensure_zepter() {
	local root="$1"
	if ! "$root/bin/zepter" --version 2>/dev/null | grep -qF "$ZEPTER_VERSION"; then
		log "installing zepter $ZEPTER_VERSION"
		# Beside the release build: at a lower priority, like the benchmark tests. A debug build:
		# 226 s of CPU instead of several times that for an optimised one, and its check of this
		# workspace still takes under two seconds.
		nice -n 10 cargo install --quiet --locked --debug --version "$ZEPTER_VERSION" \
			--root "$root" zepter
	fi
}

# promtool (Prometheus' checker of configs and alert rules) in $1/bin, for the operator kit's
# tests (ops/prometheus/): taken from Debian's `prometheus` package without installing it (no
# server, no service), once.
ensure_promtool() {
	local root="$1" tmp
	[ -x "$root/bin/promtool" ] && return 0
	command -v apt-get >/dev/null || {
		echo "promtool is missing and there is no apt-get: put it in $root/bin" >&2
		return 1
	}
	log "installing promtool (from Debian's prometheus package)"
	tmp=$(mktemp -d)
	(cd "$tmp" && { apt-get download -qq prometheus 2>/dev/null ||
		{ as_root apt-get update -qq && apt-get download -qq prometheus; }; })
	dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
	mkdir -p "$root/bin"
	mv "$tmp/usr/bin/promtool" "$root/bin/promtool"
	rm -rf "$tmp"
}

# A client package (e2e/, sdk/, gateway/) installs from its own lock file, again only when the
# lock file changed since the last install. The gateway's devDependency `node@22` puts a Node 22
# binary in its node_modules/.bin (Helia 7 needs Node >= 22), which `npm run` and `npm test` use
# before the system's Node 20.
ensure_npm_packages() {
	local dir="$TELEMED_ROOT/$1"
	local stamp="$dir/node_modules/.telemed-lock"
	if [ ! -f "$stamp" ] || ! cmp -s "$dir/package-lock.json" "$stamp"; then
		log "installing $1 npm packages"
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
		cp "$dir/package-lock.json" "$stamp"
	fi
}

ensure_prerequisites() {
	ensure_debian_packages
	ensure_rust
	local flag
	for flag in "$@"; do
		case "$flag" in
		--sdk) ensure_npm_packages sdk ;;
		# The gateway links the SDK (file:../sdk), which runs from its own node_modules.
		--gateway) ensure_npm_packages sdk && ensure_npm_packages gateway ;;
		# e2e runs the SDK and a gateway from their directories, with their own packages.
		--e2e) ensure_npm_packages sdk && ensure_npm_packages gateway && ensure_npm_packages e2e ;;
		*)
			echo "unknown prerequisites flag: $flag" >&2
			return 1
			;;
		esac
	done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	ensure_prerequisites "$@"
fi
