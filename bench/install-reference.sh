#!/usr/bin/env bash
# Install the reference server (codex-cli 0.169.0) into bench/.reference/ (gitignored) and print
# the path of its native binary. Never commit anything from bench/.reference/.
set -euo pipefail
VERSION="${CODEX_VERSION:-0.169.0}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$HERE/.reference"
mkdir -p "$DEST"
cd "$DEST"
[ -f package.json ] || echo '{"name":"weft-bench-reference","private":true}' > package.json
if [ ! -d "node_modules/@openai/codex" ] || \
   [ "$(node -p "require('./node_modules/@openai/codex/package.json').version" 2>/dev/null)" != "$VERSION" ]; then
  npm install --no-audit --no-fund --loglevel=error "@openai/codex@$VERSION" >&2
fi
# The native binary lives in the platform package, e.g.
# node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex/codex
BIN="$(find node_modules/@openai -path '*vendor*' -type f -name codex -perm -u+x 2>/dev/null | head -n1)"
if [ -z "$BIN" ]; then
  BIN="$(find node_modules/@openai -path '*vendor*' -type f -name codex 2>/dev/null | head -n1)"
fi
if [ -z "$BIN" ]; then
  echo "install-reference: native codex binary not found under $DEST/node_modules/@openai" >&2
  exit 1
fi
chmod +x "$BIN"
BIN="$DEST/$BIN"
"$BIN" --version >&2 || true
echo "$BIN"
