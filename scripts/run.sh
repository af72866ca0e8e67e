#!/usr/bin/env bash
# make run: install what is needed, migrate, load the demo data into an empty
# database, and serve Engage on http://127.0.0.1:${PORT:-5000}.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh run

PORT="${PORT:-5000}"
FLASK="$ROOT/.venv/bin/flask"
mkdir -p instance

echo "==> flask --app engage db upgrade"
"$FLASK" --app engage db upgrade
# Loads the demo consultations and accounts only when there are no consultations.
echo "==> flask --app engage demo --if-empty"
"$FLASK" --app engage demo --if-empty

echo
echo "Engage is running at http://127.0.0.1:${PORT}  (Ctrl+C to stop)"
echo
exec "$FLASK" --app engage run --host 127.0.0.1 --port "$PORT"
