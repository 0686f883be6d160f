#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. Assumes `make model` has run.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
set -e
echo "==> lint"
$BIN/ruff check .
$BIN/ruff format --check .
echo "==> rasa data validate"
$BIN/python -m bot.rasa_entry data validate --fail-on-warnings --domain domain.yml --data data
set +e
echo "==> pytest"
$BIN/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests; that is a broken suite, not a pass" >&2
  exit 1
fi
exit "$rc"
