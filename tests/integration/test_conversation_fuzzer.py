"""A conversation fuzzer against the real stack (issue 15): many random conversations at once,
none of which may slow the bot down, take it down for the others or rewrite its own record.

Each walk is up to 60 turns drawn from the NLU examples, out-of-scope text, noise ("hmm",
"??", emoji), keyboard mash, the buttons of the bot's last reply and typed "/..." payloads,
seeded so a failure can be replayed. The reproduction of issue 15 (a two-stage fallback, then
"hmm" four times, which hung Rasa) is one fixed walk, and the same conversation as the old
code stored it is another: after a restart it must not hang Rasa again.

Checked for every turn: an answer within ``TURN_SECONDS`` of wall clock on this shared
2-core machine, and no 5xx other than the documented 503. After each walk: the tracker store
holds exactly the user messages that got a 2xx, in order.
"""

from __future__ import annotations

import concurrent.futures
import json
import random
import secrets
import time

import httpx
import pytest

from tests.conftest import ROOT
from tests.integration.conftest import Stack
from tests.integration.conversation_walks import (
    ISSUE_OPENING,
    Walk,
    next_message,
    send,
    store_events,
    stored_event_types,
    stored_user_texts,
)

pytestmark = pytest.mark.integration

TURN_SECONDS = 2.0
MAX_TURNS = 60
WALKS = 10
AT_ONCE = 4
#: Seconds between a reply and the next message of a walk (a quick person, not a script).
THINK = (0.1, 0.6)


def random_walk(stack: Stack, seed: int) -> Walk:
    rng = random.Random(seed)
    walk = Walk(f"fuzz-{seed}-{secrets.token_hex(4)}")
    buttons: list[dict] = []
    with httpx.Client(timeout=30) as client:
        for _ in range(rng.randint(MAX_TURNS // 2, MAX_TURNS)):
            buttons = send(client, stack.gateway_url, walk, next_message(rng, buttons)).buttons
            time.sleep(rng.uniform(*THINK))
    return walk


def fixed_walk(stack: Stack, messages: list[str], session_id: str | None = None) -> Walk:
    walk = Walk(session_id or f"fixed-{secrets.token_hex(6)}")
    with httpx.Client(timeout=30) as client:
        for message in messages:
            send(client, stack.gateway_url, walk, message)
    return walk


def check(stack: Stack, walk: Walk, rewinds_before: int = 0) -> None:
    slow = [(t.message, round(t.seconds, 2)) for t in walk.turns if t.seconds > TURN_SECONDS]
    assert not slow, f"{walk.session_id}: turns slower than {TURN_SECONDS} s: {slow}"
    wrong = [(t.message, t.status) for t in walk.turns if t.status not in (200, 503)]
    assert not wrong, f"{walk.session_id}: answers other than 200 or the 503: {wrong}"
    assert stored_user_texts(stack.tracker_db, walk.session_id)[-len(walk.turns) :] == (
        walk.answered
    ), walk.session_id
    kinds = stored_event_types(stack.tracker_db, walk.session_id)
    assert kinds.count("rewind") == rewinds_before, "the bot rewound the conversation"


def test_the_issue_15_reproduction_answers_every_turn_quickly(stack: Stack):
    walk = fixed_walk(stack, [ISSUE_OPENING, *["hmm"] * 8, "??", "hmm"])
    assert walk.turns[0].status == 200
    check(stack, walk)
    assert all(t.status == 200 for t in walk.turns)
    assert stack.chat("hello").status_code == 200  # and the bot still answers others


def test_the_conversation_that_hung_rasa_cannot_hang_it_again(stack: Stack):
    """The reproduction's events as the code before the fix stored them (a rewind after which
    the next "hmm" hung Rasa for minutes): the next turns of that conversation answer."""
    legacy = json.loads((ROOT / "tests/data/legacy/two_stage_fallback_hang.json").read_text())
    session = f"legacy-hang-{secrets.token_hex(4)}"
    store_events(stack.tracker_db, session, legacy["events"])
    walk = fixed_walk(stack, ["hmm", "hmm", "hmm", "my back hurts"], session)
    check(stack, walk, rewinds_before=1)
    assert all(t.status == 200 for t in walk.turns)


def test_many_random_conversations_at_once(stack: Stack):
    seeds = [random.randrange(10**6) for _ in range(WALKS)]
    print(f"fuzzer seeds: {seeds}")  # shown when it fails: random_walk(stack, seed) replays
    with concurrent.futures.ThreadPoolExecutor(AT_ONCE) as pool:
        walks = list(pool.map(lambda seed: random_walk(stack, seed), seeds))
    seconds = sorted(t.seconds for w in walks for t in w.turns)
    print(
        f"turns {len(seconds)}: median {seconds[len(seconds) // 2]:.2f} s, max {seconds[-1]:.2f} s"
    )
    for walk in walks:
        check(stack, walk)
    turns = sum(len(w.turns) for w in walks)
    assert turns >= WALKS * MAX_TURNS // 2
    assert sum(len(w.answered) for w in walks) >= turns * 0.95  # 503s are the exception
