#!/usr/bin/env bash
# Builds the node's container image from the Dockerfile with podman (daemonless) and checks what
# it ships: the image's user, entrypoint, ports and health check; then runs the image's own
# binary inside the image's own filesystem, as the image's user, and checks that the dev chain
# authors blocks and that the health check's URL answers. Not run by CI: the image build
# compiles the node in release from nothing inside the container (about 40 min on 2 cores).
#
#   scripts/image-test.sh            # build HEAD (tag telemed-node:test) and check
#   scripts/image-test.sh --no-build # check an image built before
#   IMAGE_TEST_REV=<commit> scripts/image-test.sh   # build that commit instead of HEAD
#
# Where the container runtime cannot start containers (crun refuses hosts with hybrid cgroups,
# as here), the run uses the image's mounted root filesystem with chroot(8) and the image's
# user id instead of `podman run`: the same files, the same user, the same command line; what it
# does not check is the runtime's own sandboxing (namespaces, cgroups, seccomp).
#
# Environment:
#   IMAGE_TEST_PODMAN_ARGS  extra arguments for `podman build` (e.g. a volume with a TLS-
#                           intercepting proxy's CA: -v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro)
#   IMAGE_TEST_RPC_PORT     the dev node's RPC port for the run (default 19944)
set -euo pipefail
cd "$(dirname "$0")/.."

tag=telemed-node:test
port=${IMAGE_TEST_RPC_PORT:-19944}
build=1
[ "${1:-}" = "--no-build" ] && build=0

log() { printf '[image-test %(%H:%M:%S)T] %s\n' -1 "$*"; }
fail() { log "FAIL: $*"; exit 1; }

command -v podman >/dev/null || fail "podman is not installed (apt-get install podman)"

if [ "$build" = 1 ]; then
	# The committed tree only (git archive): nothing of a work tree's node_modules or targets.
	ctx=$(mktemp -d)
	trap 'rm -rf "$ctx"' EXIT
	rev=${IMAGE_TEST_REV:-HEAD}
	git archive "$rev" | tar -x -C "$ctx"
	log "building $tag from $(git rev-parse --short "$rev")"
	started=$(date +%s)
	# Docker's image format, as `docker build` makes: the OCI format has no HEALTHCHECK.
	# shellcheck disable=SC2086
	podman build --isolation=chroot --format docker ${IMAGE_TEST_PODMAN_ARGS:-} -t "$tag" "$ctx"
	log "built in $(( $(date +%s) - started )) s"
fi

# What the image declares.
inspect() { podman image inspect --format "$1" "$tag"; }
[ "$(inspect '{{.Config.User}}')" = telemed ] || fail "the image does not run as the user telemed"
[ "$(inspect '{{json .Config.Entrypoint}}')" = '["/usr/local/bin/telemed-node","--base-path","/data"]' ] \
	|| fail "unexpected entrypoint $(inspect '{{json .Config.Entrypoint}}')"
for p in 30333 9944 9615; do
	inspect '{{json .Config.ExposedPorts}}' | grep -q "\"$p/tcp\"" || fail "port $p not exposed"
done
inspect '{{json .Config.Healthcheck}}' | grep -q 'http://127.0.0.1:9944/health' || fail "no health check"
log "image: user telemed, entrypoint, ports 30333 9944 9615, health check: ok"
log "size: $(inspect '{{.Size}}') bytes"

# The image's files, as its user (uid and gid from its own /etc/passwd): a container created
# from the image (creating needs no runtime) and its root filesystem mounted, writable as a
# running container's is.
cid=$(podman create "$tag")
root=$(podman mount "$cid")
cleanup_mount() {
	umount "$root/proc" 2>/dev/null || true
	umount "$root/dev" 2>/dev/null || true
	podman umount "$cid" >/dev/null 2>&1 || true
	podman rm "$cid" >/dev/null 2>&1 || true
}
trap 'cleanup_mount; [ -n "${ctx:-}" ] && rm -rf "$ctx"' EXIT
uid=$(awk -F: '$1 == "telemed" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "telemed" { print $4 }' "$root/etc/passwd")
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "no unprivileged telemed user in the image"
[ "$(stat -c %u "$root/data")" = "$uid" ] || fail "/data is not the telemed user's"
# Every shared library the binary needs is in the image.
missing=$(chroot "$root" /usr/bin/ldd /usr/local/bin/telemed-node 2>&1 | grep 'not found' || true)
[ -z "$missing" ] || fail "libraries missing in the image: $missing"
log "binary: every shared library present; /data owned by uid $uid"

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
data=/data/image-test-$$
install -d -o "$uid" -g "$gid" "$root$data"
log "running the image's entrypoint with --dev as uid $uid (RPC port $port)"
chroot --userspec="$uid:$gid" "$root" /usr/local/bin/telemed-node --base-path "$data" --dev \
	--rpc-port "$port" --no-prometheus --no-telemetry >"/tmp/image-test-node.log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "${root:?}$data"; }
trap 'stop; cleanup_mount; [ -n "${ctx:-}" ] && rm -rf "$ctx"' EXIT
ok=0
for _ in $(seq 1 60); do
	sleep 2
	kill -0 "$pid" 2>/dev/null || { stop; fail "the node exited: $(tail -5 /tmp/image-test-node.log)"; }
	# Not listening yet is not a failure: ask again.
	height=$(curl -fsS -H 'content-type: application/json' \
		-d '{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' \
		"http://127.0.0.1:$port" 2>/dev/null | sed -n 's/.*"number":"\(0x[0-9a-f]*\)".*/\1/p') || height=""
	if [ -n "$height" ] && [ $((height)) -ge 2 ]; then ok=1; break; fi
done
health=$(curl -fsS "http://127.0.0.1:$port/health" || true)
stop
[ "$ok" = 1 ] || fail "no block #2 within 120 s: $(tail -5 /tmp/image-test-node.log)"
[ -n "$health" ] || fail "GET /health did not answer"
log "the image's node authored block #$((height)) as uid $uid; GET /health: $health"
log "ok"
