#!/usr/bin/env bash
# Copy GOV.UK Frontend's compiled CSS, JS and assets into static/govuk/ (generated;
# git-ignored). The app serves /assets/... from static/govuk/assets.
# axe-core stays in node_modules/axe-core/axe.min.js, where the browser tests read it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SRC="node_modules/govuk-frontend/dist/govuk"
DEST="static/govuk"

if [ ! -f "$SRC/govuk-frontend.min.css" ]; then
    bash scripts/setup.sh node
fi
[ -f "$SRC/govuk-frontend.min.css" ] || { echo "error: $SRC not found" >&2; exit 1; }

mkdir -p static
TMP="$(mktemp -d "static/.govuk-build.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

for name in govuk-frontend.min.css govuk-frontend.min.js; do
    cp "$SRC/$name" "$TMP/"
    if [ -f "$SRC/$name.map" ]; then
        cp "$SRC/$name.map" "$TMP/"
    fi
done
# fonts/, images/, manifest.json, rebrand/
cp -R "$SRC/assets" "$TMP/assets"
chmod -R u+rwX,go+rX "$TMP"

rm -rf "$DEST"
mv "$TMP" "$DEST"
trap - EXIT
echo "==> assets built in $DEST ($(find "$DEST" -type f | wc -l) files)" >&2
