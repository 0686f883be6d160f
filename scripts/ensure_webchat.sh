#!/usr/bin/env bash
# Rasa Webchat from the npm registry, for the browser test of the gateway's Socket.IO door
# (tests/browser/test_rasa_webchat.py). Only the package's own browser bundle is used
# (lib/index.js, self-contained), so `npm pack` fetches the one tarball, without the ~600
# packages of its build dependencies. Kept in build/ (git-ignored); idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${RASA_WEBCHAT_VERSION:-1.0.x}"
DEST=build/webchat
if [ -s "$DEST/index.js" ] && [ "$(cat "$DEST/requested" 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is needed to fetch rasa-webchat for the browser tests: apt-get install npm" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "==> fetching rasa-webchat@$VERSION from the npm registry"
(cd "$tmp" && npm pack --silent "rasa-webchat@$VERSION" >/dev/null)
tar -xzf "$tmp"/rasa-webchat-*.tgz -C "$tmp"
mkdir -p "$DEST"
cp "$tmp/package/lib/index.js" "$DEST/index.js"
node -p "require('$tmp/package/package.json').version" > "$DEST/version"
echo "$VERSION" > "$DEST/requested"
echo "==> rasa-webchat $(cat "$DEST/version") in $DEST"
