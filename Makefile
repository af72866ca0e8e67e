# Engage: `make run` serves the app locally; `make test` runs every test.
# The work is done by the scripts in scripts/, which install what is missing.
SHELL := /bin/bash

.PHONY: run test setup assets clean

## run: install, migrate, load demo data if empty, serve on http://127.0.0.1:$${PORT:-5000}
run:
	@bash scripts/run.sh

## test: install, then the whole suite on SQLite and on a throwaway PostgreSQL
test:
	@bash scripts/test.sh

## setup: install everything the tests need, without running them
setup:
	@bash scripts/setup.sh test

## assets: copy GOV.UK Frontend into static/govuk/
assets:
	@bash scripts/build_assets.sh

## clean: remove generated files (keeps .venv, node_modules and instance/)
clean:
	rm -rf static/govuk test-results
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './node_modules/*' -prune -exec rm -rf {} +
