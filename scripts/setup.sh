#!/usr/bin/env bash
# Install what Engage needs, idempotently and quickly when nothing changed.
#
#   scripts/setup.sh run    python venv with requirements.txt, compiled translations,
#                           npm packages, static assets
#   scripts/setup.sh test   as run, plus requirements-dev.txt and the apt packages
#                           chromium and postgresql used by the test suite
#   scripts/setup.sh venv|venv-dev|node|apt-test|translations   one step on its own
#
# Works from a fresh clone (no .venv, no node_modules, no static/govuk), as root
# or with sudo, with no standard input (CI=true).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.venv"
export DEBIAN_FRONTEND=noninteractive
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_NO_INPUT=1
export npm_config_fund=false
export npm_config_audit=false
export npm_config_update_notifier=false

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root (directly, or through sudo when we are not root).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@" || die "needs root to run: $* (sudo -n failed)"
    else
        die "needs root to run: $* (not root and no sudo)"
    fi
}

APT_UPDATED=0
# apt_install PKG...: install Debian packages; 'apt-get update' once, only when needed.
apt_install() {
    [ "$#" -gt 0 ] || return 0
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install by hand: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        as_root apt-get update -q </dev/null
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    as_root apt-get install -y -q --no-install-recommends "$@" </dev/null
}

sha_of() { cat "$@" | sha256sum | cut -c1-16; }

# A Python >= 3.11 to build the venv from: python3.11 first, then python3.
find_python() {
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

venv_ok() {
    [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys, pip' >/dev/null 2>&1
}

make_venv() {
    if venv_ok; then
        return 0
    fi
    local python
    if ! python="$(find_python)"; then
        apt_install python3 python3-venv
        python="$(find_python)" || die "no Python 3.11+ found (tried python3.11, python3)"
    fi
    log "creating $VENV with $python"
    rm -rf "$VENV"
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
        # Debian's python3 has no ensurepip until python3-venv is installed.
        rm -rf "$VENV"
        apt_install python3-venv
        "$python" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --upgrade pip </dev/null
}

# ensure_venv run|dev: install requirements only when they changed (stamp file).
ensure_venv() {
    local kind="$1" run_stamp dev_stamp
    run_stamp="$VENV/.installed-run-$(sha_of requirements.txt)"
    dev_stamp="$VENV/.installed-dev-$(sha_of requirements.txt requirements-dev.txt)"
    make_venv
    if [ "$kind" = run ]; then
        if [ -e "$run_stamp" ] || [ -e "$dev_stamp" ]; then
            return 0
        fi
        log "pip install -r requirements.txt"
        "$VENV/bin/python" -m pip install -q -r requirements.txt </dev/null
        rm -f "$VENV"/.installed-run-*
        touch "$run_stamp"
    else
        if [ -e "$dev_stamp" ]; then
            return 0
        fi
        log "pip install -r requirements-dev.txt"
        "$VENV/bin/python" -m pip install -q -r requirements-dev.txt </dev/null
        rm -f "$VENV"/.installed-dev-* "$VENV"/.installed-run-*
        touch "$dev_stamp" "$run_stamp"
    fi
}

# Compile the translations (translations/*/LC_MESSAGES/messages.po -> .mo, not in
# git): only when a .mo is missing or older than its .po.
ensure_translations() {
    local po stale=0
    for po in translations/*/LC_MESSAGES/*.po; do
        [ -e "$po" ] || continue
        [ "$po" -nt "${po%.po}.mo" ] && stale=1
    done
    [ "$stale" -eq 1 ] || return 0
    log "pybabel compile -d translations"
    if ! "$VENV/bin/pybabel" -q compile -d translations </dev/null; then
        # pybabel writes the .mo even when it reports errors: remove it so the
        # next run tries (and fails) again instead of using a broken catalogue.
        rm -f translations/*/LC_MESSAGES/*.mo
        die "could not compile the translations (see the errors above)"
    fi
}

# npm packages (govuk-frontend, axe-core): 'npm ci' when node_modules is missing or stale.
ensure_node() {
    local files=(package.json) stamp
    [ -f package-lock.json ] && files+=(package-lock.json)
    stamp="node_modules/.installed-$(sha_of "${files[@]}")"
    if [ -e "$stamp" ] && [ -d node_modules/govuk-frontend/dist/govuk ] && [ -f node_modules/axe-core/axe.min.js ]; then
        return 0
    fi
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    if [ -f package-lock.json ]; then
        log "npm ci"
        npm ci --no-audit --no-fund </dev/null
    else
        log "npm install"
        npm install --no-audit --no-fund </dev/null
    fi
    rm -f node_modules/.installed-*
    touch "$stamp"
}

have_postgres() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }

have_lib() { [[ "$(ldconfig -p 2>/dev/null)" == *"$1"* ]]; }

# System libraries the app needs at run time: Pango for PDF exports (WeasyPrint) and a font.
ensure_apt_run() {
    local missing=()
    have_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
    have_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
    compgen -G '/usr/share/fonts/truetype/*/*.ttf' >/dev/null || missing+=(fonts-liberation)
    [ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"
}

# System packages the test suite needs: a browser and a PostgreSQL server.
ensure_apt_test() {
    local missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    have_postgres || missing+=(postgresql)
    # pdftotext: the tests check that text can be extracted from exported PDFs.
    command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
    # The scale path's test runs a real Redis (jobs on RQ workers).
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    # runuser drops root to the postgres user (util-linux, essential on Debian).
    if [ "$(id -u)" -eq 0 ] && ! command -v runuser >/dev/null 2>&1; then
        missing+=(util-linux)
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        # Fonts so pages render text in headless chromium (a Recommends we skip).
        [[ " ${missing[*]} " == *" chromium "* ]] && missing+=(fonts-liberation)
        apt_install "${missing[@]}"
    fi
    command -v chromium >/dev/null 2>&1 || die "chromium still missing after install"
    have_postgres || die "PostgreSQL (initdb) still missing after install"
}

case "${1:-run}" in
    run)
        ensure_apt_run
        ensure_venv run
        ensure_translations
        ensure_node
        bash scripts/build_assets.sh
        ;;
    test)
        ensure_apt_run
        ensure_apt_test
        ensure_venv dev
        ensure_translations
        ensure_node
        bash scripts/build_assets.sh
        ;;
    venv) ensure_venv run ;;
    translations) ensure_venv run && ensure_translations ;;
    venv-dev) ensure_venv dev ;;
    node) ensure_node ;;
    apt-test) ensure_apt_test ;;
    *) die "usage: $0 run|test|venv|venv-dev|node|apt-test|translations" ;;
esac
