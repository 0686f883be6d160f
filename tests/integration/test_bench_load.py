"""The load generator of ``bench/`` plays whole conversations against the real stack.

The benchmarks' figures are only as good as their simulated people: each must recognise the
bot's follow-up questions, answer them, and reach a disposition, through the gateway (chat API
and Socket.IO door) and straight to Rasa's REST webhook alike, without errors (empty replies
count as errors).
"""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from bench.load import run_segment
from bench.simulated import make_target
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def run_coroutine(coroutine):
    """asyncio.run in its own thread: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.mark.parametrize("target_name", ["gateway", "socketio", "direct"])
def test_simulated_people_complete_triage_conversations(stack: Stack, target_name: str):
    target = make_target(target_name, stack.gateway_url, stack.rasa_url)
    segment = run_coroutine(run_segment(target, 2, 0.0, 60, 4, stack.pids(), seed=7))
    report = segment.report()
    assert report["errors"] == {}
    assert report["conversations_completed"] == 4
    assert sum(report["dispositions"].values()) == 4
    assert set(report["dispositions"]) <= {"emergency", "urgent", "soon", "routine"}
    assert report["mean_turns_per_conversation"] > 2  # follow-up questions were answered
    assert report["cpu"]["cpu_seconds"].get("rasa", 0) > 0  # the Rasa process was found
