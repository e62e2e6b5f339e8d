#!/usr/bin/env bash
# The main job: bootstrap .venv, create and migrate ./cw.db (or the PostgreSQL URL given),
# walk an orchestrator scenario.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/python scripts/demo.py "${1:-cw.db}"
