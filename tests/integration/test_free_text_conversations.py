"""Conversations answered in free text by the simulated survivor that independent
evaluations use (bench/score_conversations.py), played through the real stack.

The sets here are the development sets (tests/data/dev/): written by authors who never saw the
code, and used openly to improve the dialogue. The frozen held-out sets (tests/data/heldout/)
are measured by ``python -m bench.conversations``, never tuned to; their figures are in the
README.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import score_conversations as player

pytestmark = [pytest.mark.integration, pytest.mark.model]

DEV_SETS = sorted(
    (Path(__file__).resolve().parents[1] / "data" / "dev").glob("conversations_*.yml")
)


@pytest.fixture(scope="module")
def results(stack) -> list[dict]:
    vignettes = [v for path in DEV_SETS for v in player.load_vignettes(path)]
    return [player.judge(player.run_vignette(stack.gateway_url, v, 10)) for v in vignettes]


def _failures(results: list[dict], condition) -> list[tuple[str, str, str]]:
    return [(r["id"], r["expected"], r["got"]) for r in results if condition(r)]


def test_every_free_text_conversation_reaches_a_disposition(results) -> None:
    assert not _failures(results, lambda r: r["expected"] != "info" and r["got"] not in player.RANK)


def test_every_emergency_is_found_and_nothing_is_two_levels_too_low(results) -> None:
    assert not _failures(results, lambda r: r["unsafe"])


def test_free_text_conversations_agree_exactly_at_least_nine_times_in_ten(results) -> None:
    wrong = _failures(results, lambda r: not r["passed"])
    assert 1 - len(wrong) / len(results) >= 0.90, wrong
