"""Random conversations for the fuzzer (tests/integration/test_conversation_fuzzer.py): what a
walk may say next, how a turn is sent and timed, and what the tracker store holds after it."""

from __future__ import annotations

import json
import random
import sqlite3
import string
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import httpx

from ops.nlu_data import read_examples
from tests.conftest import ROOT

#: The message of issue 15 that the two-stage fallback met with "Is this about: A headache?".
ISSUE_OPENING = (
    "had a banging head after my sisters 60th (too much wine lol), drank lots of water and "
    "its gone today, just checking thats ok"
)
OUT_OF_SCOPE = (
    "can you order me a pizza",
    "what's the weather like tomorrow",
    "tell me a joke",
    "who won the football last night",
    "my car won't start",
    "how do I reset my password",
)
NOISE = ("hmm", "??", "?", "...", "ok", "lol", "hmm hmm", "\U0001f914", "\U0001f642\U0001f642")
#: Rasa's payload syntax typed by a person: never a payload unless the bot offered it.
TYPED_PAYLOADS = (
    "/restart",
    "/report_seizure",
    '/inform{"severity": "1"}',
    "/back",
    "/session_start",
    "/affirm",
    "/deny",
    "/nlu_fallback",
    "/out_of_scope",
    "/report_headache@0.1",
    '/greet{"symptom": "seizure"}',
    "/action_restart",
    "/",
    "//",
)


@lru_cache(maxsize=1)
def nlu_examples() -> tuple[str, ...]:
    return tuple(e.plain for e in read_examples(ROOT / "data" / "nlu.yml"))


def keyboard_mash(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_lowercase + ";',.") for _ in range(rng.randint(3, 14)))


def next_message(rng: random.Random, buttons: list[dict]) -> str:
    """One random next message: a button of the last reply, an NLU example, out-of-scope
    text, noise, keyboard mash or a typed payload."""
    kinds = ["example", "example", "noise", "mash", "out_of_scope", "typed"]
    if buttons:
        kinds += ["button", "button", "button"]
    kind = rng.choice(kinds)
    if kind == "button":
        return rng.choice(buttons)["payload"]
    if kind == "example":
        return rng.choice(nlu_examples())
    if kind == "noise":
        return rng.choice(NOISE)
    if kind == "mash":
        return keyboard_mash(rng)
    if kind == "out_of_scope":
        return rng.choice(OUT_OF_SCOPE)
    return rng.choice(TYPED_PAYLOADS)


@dataclass
class Turn:
    message: str
    status: int | str
    seconds: float
    buttons: list[dict] = field(default_factory=list)


@dataclass
class Walk:
    session_id: str
    turns: list[Turn] = field(default_factory=list)

    @property
    def answered(self) -> list[str]:
        """The messages that got a 2xx, in order."""
        return [t.message for t in self.turns if isinstance(t.status, int) and t.status < 300]


def send(client: httpx.Client, gateway: str, walk: Walk, message: str) -> Turn:
    started = time.perf_counter()
    try:
        response = client.post(
            f"{gateway}/api/v1/chat", json={"session_id": walk.session_id, "message": message}
        )
        status: int | str = response.status_code
        body = response.json() if status == 200 else {}
    except httpx.HTTPError as err:
        status, body = type(err).__name__, {}
    buttons = [b for r in body.get("replies") or [] for b in r.get("buttons") or []]
    turn = Turn(message, status, time.perf_counter() - started, buttons)
    walk.turns.append(turn)
    return turn


def stored_user_texts(db: Path, session_id: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (session_id,),
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def stored_event_types(db: Path, session_id: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (session_id,)
        ).fetchall()
    return [kind for (kind,) in rows]


def store_events(db: Path, session_id: str, events: list[dict]) -> None:
    """Rows as an earlier version of the bot stored them, moved to just before now (so the
    session has not expired)."""
    shift = time.time() - 5 - max(float(e.get("timestamp") or 0) for e in events)
    with sqlite3.connect(db) as conn:
        for data in events:
            data = {**data, "timestamp": float(data.get("timestamp") or 0) + shift}
            conn.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name,"
                " data) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    data["event"],
                    data["timestamp"],
                    ((data.get("parse_data") or {}).get("intent") or {}).get("name"),
                    data.get("name"),
                    json.dumps(data),
                ),
            )
