#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter, or fails with a message saying what to install.
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.14 python3.13 python3.12 python3; do
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if [ -d "$pyenv_root/versions" ]; then
  while IFS= read -r dir; do candidates+=("$dir/bin/python3"); done < <(ls -d "$pyenv_root"/versions/3.1[2-9]* 2>/dev/null | sort -rV)
fi
for dir in /usr/local/bin /usr/bin; do
  for name in python3.14 python3.13 python3.12; do [ -x "$dir/$name" ] && candidates+=("$dir/$name"); done
done
for candidate in "${candidates[@]}"; do
  if [ -x "$candidate" ] && ok "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "No Python 3.12+ found (Django 6 needs it). Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
