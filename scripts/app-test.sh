#!/usr/bin/env bash
# The web app's tests (app/README.md):
#   scripts/app-test.sh unit   typecheck and unit tests (no node, no browser; about 20 s)
#   scripts/app-test.sh e2e    the static build, then Playwright in Debian's headless Chromium
#                              against a real node ($TELEMED_NODE, else the release build in the
#                              cargo target dir) and a real gateway (about 2 min)
#   scripts/app-test.sh        both
# Installs what is missing first: Debian's chromium (Playwright's own browser download does not
# work here), and the npm packages of sdk/, gateway/ (the e2e test runs a gateway in its
# process) and app/.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/prerequisites.sh"
cd "$TELEMED_ROOT"

app_unit() {
	for package in sdk gateway app; do ensure_npm_packages "$package"; done
	log "app typecheck and unit tests"
	(cd app && npm run --silent typecheck && npm test)
}

app_e2e() {
	ensure_chromium
	for package in sdk gateway app; do ensure_npm_packages "$package"; done
	log "app end-to-end test (build, then a node, a gateway and Chromium)"
	local started
	started=$(date +%s)
	(cd app && npm run --silent test:e2e)
	log "app end-to-end test took $(( $(date +%s) - started )) s"
}

case "${1:-all}" in
unit) app_unit ;;
e2e) app_e2e ;;
all) app_unit && app_e2e ;;
*)
	echo "usage: scripts/app-test.sh [unit|e2e|all]" >&2
	exit 2
	;;
esac
