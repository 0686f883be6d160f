#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. Assumes `make model` has run.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export RASA_TELEMETRY_ENABLED=false
set -e
echo "==> lint"
$BIN/ruff check .
$BIN/ruff format --check .
echo "==> import contracts (lint-imports, pyproject [tool.importlinter])"
$BIN/lint-imports
echo "==> bot validate (rasa data validate + our checks)"
$BIN/bot validate
set +e
echo "==> pytest"
$BIN/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests; that is a broken suite, not a pass" >&2
  rc=1
fi
echo "==> bot evaluate (held-out set + cross-validation, report in reports/nlu/)"
$BIN/bot evaluate
erc=$?
[ "$rc" -ne 0 ] && exit "$rc"
exit "$erc"
