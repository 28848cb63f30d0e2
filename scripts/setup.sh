#!/usr/bin/env bash
# Create .venv/ at the repo root with a Python >= 3.12 and install traineeflow into it.
# Finds Python on PATH first, then in pyenv's versions; reinstalls only when pyproject changes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
  local c
  for c in python3.13 python3.12 python3 python; do
    if command -v "$c" >/dev/null 2>&1 && ok "$(command -v "$c")"; then command -v "$c"; return 0; fi
  done
  local roots=()
  command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)")
  roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
  for r in "${roots[@]}"; do
    for c in "$r"/versions/3.1[2-9]*/bin/python3 "$r"/versions/3.[2-9][0-9]*/bin/python3; do
      if [ -x "$c" ] && ok "$c"; then echo "$c"; return 0; fi
    done
  done
  return 1
}

stamp=".venv/.traineeflow-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -x .venv/bin/python ] && ok .venv/bin/python && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
if ! py="$(find_python)"; then
  echo "error: traineeflow needs Python 3.12 or newer and none was found on PATH or in pyenv." >&2
  echo "Install one (e.g. 'pyenv install 3.12' or your system's python3.12 package) and rerun." >&2
  exit 2
fi
echo "setting up .venv with $py ($("$py" --version))" >&2
rm -rf .venv
"$py" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "$want" > "$stamp"
