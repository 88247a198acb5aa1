#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter (3.12 preferred, the version the project is
# tested with), or fails with a message saying what to install.
set -euo pipefail
version_ok() { "$1" -c "import sys; sys.exit(0 if sys.version_info[:2] $2 else 1)" 2>/dev/null; }
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
add_minor() {
  local minor="$1" dir
  command -v "python$minor" >/dev/null 2>&1 && candidates+=("$(command -v "python$minor")")
  for dir in /usr/local/bin /usr/bin; do [ -x "$dir/python$minor" ] && candidates+=("$dir/python$minor"); done
  if [ -d "$pyenv_root/versions" ]; then
    while IFS= read -r dir; do candidates+=("$dir/bin/python3"); done \
      < <(ls -d "$pyenv_root"/versions/"$minor".* 2>/dev/null | sort -rV)
  fi
  return 0
}
add_minor 3.12
add_minor 3.13
add_minor 3.14
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
for candidate in "${candidates[@]}"; do
  if [ -x "$candidate" ] && version_ok "$candidate" ">= (3, 12)"; then echo "$candidate"; exit 0; fi
done
echo "No Python 3.12+ found (Django 6 needs it). Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
