#!/bin/sh
# Builds the web app (nginx/app/) into $1 (default build/web), the directory Nginx serves:
#   index.html              never cached; names the assets below
#   assets/<hash>/css, js   cached for a year, immutable
# <hash> is a SHA-256 over every asset's name and content, so any change to any file gives
# every asset a new URL (modules import each other by relative path, which keeps working
# unchanged inside one hashed directory). No bundler, no minifier: the files are small and
# Nginx gzips them.
set -eu
SRC=$(cd "$(dirname "$0")/app" && pwd)
OUT=${1:-build/web}
HASH=$(cd "$SRC" && find css js -type f | LC_ALL=C sort | while read -r f; do
	printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-12)
rm -rf "$OUT.tmp"
mkdir -p "$OUT.tmp/assets/$HASH"
cp -R "$SRC/css" "$SRC/js" "$OUT.tmp/assets/$HASH/"
sed "s|/assets/BUILD/|/assets/$HASH/|g" "$SRC/index.html" >"$OUT.tmp/index.html"
rm -rf "$OUT"
mv "$OUT.tmp" "$OUT"
# Readable by the user Nginx's workers run as.
chmod -R a+rX "$OUT"
echo "  WEB     $OUT (assets/$HASH)"
