#!/usr/bin/env bash
# Installs the Debian packages Logbook needs to build, run and test, and only those that are
# missing: a machine that has them all is left alone (no apt-get update, no sudo prompt).
# Non-interactive, so that it runs unattended in CI (root, no terminal, fresh Debian 12).
#
# Debian's nginx and postgresql packages start system services when installed. The dev/test
# stack runs its own instances on other ports and sockets, so those services are kept from
# starting during the install and disabled afterwards; they would not clash, but they would
# hold memory and ports 80/5432 for nothing.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

# Build, run and test: the C toolchain and libraries, the servers, and the tools the scripts use.
PACKAGES=(
	build-essential pkg-config
	libfcgi-dev spawn-fcgi multiwatch
	libpq-dev libjson-c-dev libjwt-dev libssl-dev libcrypt-dev libcmocka-dev
	libre2-dev # field patterns: linear-time matching (app/domain/re2_shim.cc)
	postgresql-15 postgresql-client-15 postgresql-contrib
	openssl curl jq nodejs wrk procps iproute2
	clang-format clang gnuplot-nox
	# Debian's full nginx (not nginx-light) and the nchan module, which holds the Server-Sent
	# Events streams of GET /api/v1/events/stream (nginx/logbook.conf.in loads it).
	nginx libnginx-mod-nchan
)
# Browser tests (tests/e2e): Debian's chromium, driven headless by playwright-core, which the
# test's own setup installs with `npm ci` in tests/e2e. Fonts so that screenshots show text.
PACKAGES+=(chromium fonts-dejavu-core)
# npm: Debian's package, unless the installed nodejs already brings its own npm (NodeSource's
# nodejs provides and conflicts with the npm package).
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

export DEBIAN_FRONTEND=noninteractive

say() { printf 'deps: %s\n' "$*" >&2; }

is_installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null; then
		say "not root and no sudo: install these as root: ${PACKAGES[*]}"
		exit 1
	fi
	SUDO=(sudo)
	# In CI there is nobody to type a password.
	[ -t 0 ] || SUDO=(sudo -n)
fi

missing=()
for p in "${PACKAGES[@]}"; do
	is_installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	say "all packages present"
	exit 0
fi

say "installing: ${missing[*]}"

# Keep services from starting while their packages are configured (invoke-rc.d honours
# policy-rc.d exit code 101 = "action forbidden"). An existing policy (Docker images ship one)
# is left as it is.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# Temporary, from logbook deps.sh: no service starts during install.\nexit 101\n' |
		"${SUDO[@]}" tee "$policy" >/dev/null
	"${SUDO[@]}" chmod 0755 "$policy"
	made_policy=1
fi
cleanup() {
	if [ "$made_policy" -eq 1 ]; then
		"${SUDO[@]}" rm -f "$policy"
	fi
}
trap cleanup EXIT

"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# On a machine run by systemd, the packages also enabled their units for the next boot.
# Disable (and stop, in case they were started before we got here) only what we just installed.
if [ -d /run/systemd/system ]; then
	for unit in nginx postgresql; do
		for p in "${missing[@]}"; do
			case "$p" in
			"$unit" | "$unit"-* )
				"${SUDO[@]}" systemctl disable --now "$unit.service" >/dev/null 2>&1 || true
				say "disabled the system $unit service (the dev stack runs its own)"
				break
				;;
			esac
		done
	done
fi
say "done"
