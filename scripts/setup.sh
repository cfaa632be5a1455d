#!/usr/bin/env bash
# Creates .venv with a Python >= 3.12 and installs bposim with its test and dashboard extras
# (or the extras given as the first argument, comma-separated).
# Idempotent: a second run only re-installs when pyproject.toml changed.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test,dashboard}"
stamp=".venv/.installed-$extras"
if [ ! -x .venv/bin/python ]; then
  py=$(bash scripts/find-python.sh)
  echo "setup: creating .venv with $py ($("$py" --version))"
  "$py" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -m pip install --quiet -e ".[$extras]" 2>&1 | grep -v "^WARNING: Location" || true
  .venv/bin/python -c "import bposim, mesa, hydra" || { echo "setup: install failed" >&2; exit 1; }
  touch "$stamp"
fi
