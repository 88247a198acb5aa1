#!/usr/bin/env bash
# Creates .venv with Python 3.12+ and installs requirements/local.txt; re-runs only when the
# requirements change or the virtualenv is missing or too old.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
venv=.venv
stamp="$venv/.installed"
if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  echo "Recreating $venv: its Python is older than 3.12."
  rm -rf "$venv"
fi
if [ ! -x "$venv/bin/python" ]; then
  python="$(scripts/find-python.sh)"
  echo "Creating $venv with $python ($("$python" --version))"
  "$python" -m venv "$venv"
fi
if [ ! -f "$stamp" ] || [ requirements/base.txt -nt "$stamp" ] || [ requirements/local.txt -nt "$stamp" ]; then
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet -r requirements/local.txt
  touch "$stamp"
fi
