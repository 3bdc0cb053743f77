#!/usr/bin/env bash
# "Two commands anywhere" (issue 14): clones this repository into a directory only its owner
# may enter (0700, as a home directory is), runs `make integration` there as root (the build and
# the whole integration suite on a stack the service user runs; the rest of `make test` never
# involves that user) and checks that the service user's state went to a directory it can
# reach (var/ a link to it) while the parent stayed 0700. CI runs this after `make test`.
#
#   bash tests/integration/closed-checkout.sh [make target, default: integration]
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARGET=${1:-integration}
say() { printf 'closed-checkout: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
	say "skipped: only root's runs hand the stack to another user (logbook)"
	exit 0
fi

HOME_DIR=$(mktemp -d /tmp/logbook-home.XXXXXX) # 0700, like /root or any home
chmod 0700 "$HOME_DIR"
CLONE="$HOME_DIR/logbook"
ok=0
cleanup() {
	local link="$CLONE/var"
	if [ "$ok" -ne 1 ]; then
		say "FAILED; the clone and its state are kept: $CLONE, $(readlink "$link" 2>/dev/null || echo "no var/ link")"
		return
	fi
	if [ -L "$link" ]; then
		rm -rf "$(readlink "$link")"
	fi
	rm -rf "$HOME_DIR"
}
trap cleanup EXIT

say "cloning into $CLONE (parent mode $(stat -c %a "$HOME_DIR"))"
git clone --quiet --no-hardlinks "$ROOT" "$CLONE"
runuser -u logbook -- test -x "$HOME_DIR" 2>/dev/null && { say "error: logbook can enter $HOME_DIR"; exit 1; }
# The build may reuse nothing of this checkout's: a new user's clone starts empty.
(cd "$CLONE" && make "$TARGET")
# Nothing was opened up on the way.
mode=$(stat -c %a "$HOME_DIR")
[ "$mode" = 700 ] || { say "error: $HOME_DIR is now $mode"; exit 1; }
[ ! -e "$CLONE/var" ] || [ -L "$CLONE/var" ] || { say "error: $CLONE/var is a directory, not a link"; exit 1; }
ok=1
say "ok: make $TARGET passed from a 0700 parent directory"
