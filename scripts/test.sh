#!/usr/bin/env bash
# make test: install what is needed, then run the whole pytest suite twice,
# on SQLite and on a throwaway PostgreSQL server, and print both summaries.
#
# Extra arguments go to pytest (e.g. scripts/test.sh -x tests/test_auth.py).
# PYTEST_ARGS is split on spaces and added too (e.g. PYTEST_ARGS="-n 2").
# ENGAGE_TEST_DATABASES=sqlite (or postgresql) runs one database only.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh test

export PATH="$ROOT/.venv/bin:$PATH"
export PYTHONDONTWRITEBYTECODE=1
# Browser tests launch the system chromium through Playwright (no browser downloads).
export CHROMIUM_PATH="${CHROMIUM_PATH:-$(command -v chromium)}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export AXE_CORE_PATH="${AXE_CORE_PATH:-$ROOT/node_modules/axe-core/axe.min.js}"
unset TEST_DATABASE_URL DATABASE_URL

RESULTS="$ROOT/test-results"
mkdir -p "$RESULTS"
read -r -a extra_args <<<"${PYTEST_ARGS:-}"
PYTEST=("$ROOT/.venv/bin/python" -m pytest -q -p no:cacheprovider "${extra_args[@]}" "$@")
DATABASES="${ENGAGE_TEST_DATABASES:-sqlite postgresql}"

# run_suite LABEL LOG: run pytest, tee its output, record exit code.
run_suite() {
    local label="$1" log="$2" rc=0
    printf '\n==> pytest on %s: %s\n' "$label" "${PYTEST[*]}"
    "${PYTEST[@]}" </dev/null 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    return "$rc"
}

# The last pytest summary line ("3 passed, 1 skipped in 2.1s") of a log.
summary_of() {
    grep -E '(passed|failed|errors?|skipped|xfailed|xpassed|deselected|no tests ran)' "$1" 2>/dev/null |
        grep -E ' in [0-9.]+s' | tail -n 1 | sed -E 's/^=+ //; s/ =+$//' || true
}

# count WORD SUMMARY: the number before WORD in a summary line (0 when absent).
count() { grep -oE "[0-9]+ $1\b" <<<"$2" | grep -oE '^[0-9]+' | head -n 1 || echo 0; }

# Static checks first (quick): ruff for errors and style, bandit for medium and high findings.
rc_static=0
printf '\n==> static checks: ruff, bandit\n'
"$ROOT/.venv/bin/ruff" check engage tests bench config.py 2>&1 | tee "$RESULTS/static.log" || rc_static=1
"$ROOT/.venv/bin/bandit" -q -r engage -ll 2>&1 | tee -a "$RESULTS/static.log" || rc_static=1

rc_sqlite=-1
rc_pg=-1
PG_DIR=""
cleanup() {
    if [ -n "$PG_DIR" ]; then
        bash "$ROOT/scripts/pg.sh" stop "$PG_DIR" || true
        PG_DIR=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ " $DATABASES " == *" sqlite "* ]]; then
    rc_sqlite=0
    run_suite SQLite "$RESULTS/sqlite.log" || rc_sqlite=$?
fi

if [[ " $DATABASES " == *" postgresql "* ]]; then
    rc_pg=0
    if pg_env="$(bash scripts/pg.sh start)"; then
        eval "$pg_env"
        PG_DIR="$ENGAGE_PG_DIR"
        run_suite PostgreSQL "$RESULTS/postgresql.log" || rc_pg=$?
        unset TEST_DATABASE_URL
        cleanup
    else
        echo "error: could not start PostgreSQL" | tee "$RESULTS/postgresql.log"
        rc_pg=1
    fi
fi

# Report. pytest exit 5 (no tests collected) counts as a failure.
status=0
passed=0
failed=0
skipped=0
printf '\n==================== test summary ====================\n'
for entry in "SQLite:$rc_sqlite:sqlite" "PostgreSQL:$rc_pg:postgresql"; do
    IFS=: read -r label rc file <<<"$entry"
    [ "$rc" = -1 ] && continue
    line="$(summary_of "$RESULTS/$file.log")"
    case "$rc" in
        0) verdict="" ;;
        5) verdict=" [FAILED: no tests collected]"; status=1 ;;
        *) verdict=" [FAILED: pytest exit $rc]"; status=1 ;;
    esac
    printf '%-11s %s%s\n' "$label:" "${line:-no pytest summary line}" "$verdict"
    passed=$((passed + $(count passed "$line")))
    failed=$((failed + $(count failed "$line") + $(count error "$line") + $(count errors "$line")))
    skipped=$((skipped + $(count skipped "$line")))
    if [ "$rc" != 0 ] && [ "$(count failed "$line")" = 0 ] && [ "$(count error "$line")$(count errors "$line")" = 00 ]; then
        failed=$((failed + 1))  # a run that failed without counting a failure
    fi
done
if [ "$rc_static" = 0 ]; then
    printf '%-11s %s\n' "Static:" "ruff and bandit (medium and above): no findings"
else
    printf '%-11s %s\n' "Static:" "[FAILED: see $RESULTS/static.log]"
    status=1
fi
printf 'total: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
exit "$status"
