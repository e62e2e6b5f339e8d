#!/usr/bin/env bash
# The whole test suite: lint, types, SQL lint, then pytest. Bootstraps .venv first.
# Extra arguments go to pytest (e.g. scripts/test.sh -k accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
echo "== ruff"
.venv/bin/ruff check cwdb tests scripts
.venv/bin/ruff format --check cwdb tests scripts
echo "== mypy --strict cwdb"
.venv/bin/mypy cwdb
echo "== sqlfluff sql migrations"
.venv/bin/python scripts/lint_sql.py
echo "== pytest"
.venv/bin/python -m pytest "$@"
