#!/usr/bin/env bash
# The whole suite, as `make test` and CI run it. Assumes `make model` has run.
# Stages print as `bot run`'s do ("==> ..."); pytest's own summary line is repeated at the
# end, after the evaluation's tables, so that it stays in view.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export RASA_TELEMETRY_ENABLED=false
set -e
echo "==> 1/5 lint (ruff)"
$BIN/ruff check .
$BIN/ruff format --check .
echo "==> 2/5 import contracts (lint-imports, pyproject [tool.importlinter])"
$BIN/lint-imports
echo "==> 3/5 bot validate (rasa data validate + our checks)"
$BIN/bot validate
set +e
echo "==> 4/5 pytest"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
$BIN/python -m pytest "$@" | tee "$summary"
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests; that is a broken suite, not a pass" >&2
  rc=1
fi
echo "==> 5/5 bot evaluate (held-out set + cross-validation, report in reports/nlu/)"
$BIN/bot evaluate
erc=$?
echo
echo "==> pytest: $(grep -E '(passed|failed|errors?|no tests ran).* in [0-9.]+s' "$summary" | tail -1 | sed -E 's/^=+ | =+$//g')"
# The failing tests' ids, again, so that the end of a CI log says which ones they were.
grep -E '^(FAILED|ERROR) ' "$summary" | sed 's/^/    /'
echo "==> bot evaluate: $([ "$erc" -eq 0 ] && echo "within the thresholds" || echo "below a threshold (see above)")"
[ "$rc" -ne 0 ] && exit "$rc"
exit "$erc"
