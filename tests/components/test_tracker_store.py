"""The bounded SQL tracker store on a real SQLite database (Rasa's own table and events)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

import pytest
import sqlalchemy.exc
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from components.tracker_store import BoundedSQLTrackerStore, recent_events, without_reverts
from components.turn_failures import FAILURES
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture()
def store(tmp_path, domain):
    return BoundedSQLTrackerStore(
        domain=domain, host=f"sqlite:///{tmp_path / 'rasa.db'}", recent_turns=3
    )


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def turn(tracker: DialogueStateTracker, n: int, *extra) -> None:
    tracker.update(UserUttered(f"message {n}", {"name": "inform", "confidence": 1.0}))
    for event in extra:
        tracker.update(event)
    tracker.update(ActionExecuted("utter_go_ahead"))
    tracker.update(ActionExecuted("action_listen"))


def stored_user_events(store, sender: str) -> int:
    with sqlite3.connect(store.engine.url.database) as db:
        return db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id=? AND type_name='user'", (sender,)
        ).fetchone()[0]


def test_short_conversation_comes_back_whole(store, domain):
    tracker = DialogueStateTracker("short-1", domain.slots)
    turn(tracker, 1)
    run(store.save(tracker))
    again = run(store.retrieve("short-1"))
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in tracker.events]


def test_long_conversation_is_shortened_but_keeps_slots_and_loop_and_every_event_is_stored(
    store, domain
):
    tracker = DialogueStateTracker("long-1", domain.slots)
    turn(tracker, 0, SlotSet("clinician_attention", True))
    turn(tracker, 1, ActiveLoop("triage_form"), SlotSet("requested_slot", "triage_step"))
    for n in range(2, 40):
        run(store.save(tracker))
        tracker = run(store.retrieve("long-1"))
        turn(tracker, n)
    run(store.save(tracker))

    assert stored_user_events(store, "long-1") == 40
    short = run(store.retrieve("long-1"))
    users = [e for e in short.events if isinstance(e, UserUttered)]
    assert [u.text for u in users] == ["message 37", "message 38", "message 39"]
    assert short.get_slot("clinician_attention") is True
    assert short.active_loop_name == "triage_form"
    assert short.get_slot("requested_slot") == "triage_step"


def test_saving_twice_stores_each_event_once(store, domain):
    tracker = DialogueStateTracker("twice-1", domain.slots)
    turn(tracker, 1)
    run(store.save(tracker))
    run(store.save(tracker))
    turn(tracker, 2)
    run(store.save(tracker))
    assert stored_user_events(store, "twice-1") == 2


def test_recent_events_restarts_the_snapshot_after_a_restart():
    events = [
        {"event": "slot", "name": "triage_level", "value": "urgent", "timestamp": 1},
        {"event": "restart", "timestamp": 2},
    ] + [{"event": "user", "text": str(i), "timestamp": 3 + i} for i in range(5)]
    short = recent_events(events, 2)
    assert not any(e["event"] == "slot" for e in short)
    assert [e["text"] for e in short if e["event"] == "user"] == ["3", "4"]


def test_failed_write_is_recorded_for_the_channel(store, domain, tmp_path):
    tracker = DialogueStateTracker("fail-1", domain.slots)
    turn(tracker, 1)
    with sqlite3.connect(store.engine.url.database) as db:
        db.execute("DROP TABLE events")
    with pytest.raises(sqlalchemy.exc.OperationalError):
        run(store.save(tracker))
    assert FAILURES.pop("fail-1") == "write"
    assert FAILURES.pop("fail-1") is None


def test_failed_read_is_recorded_for_the_channel(store):
    with sqlite3.connect(store.engine.url.database) as db:
        db.execute("DROP TABLE events")
    with pytest.raises(sqlalchemy.exc.OperationalError):
        run(store.retrieve("fail-2"))
    assert FAILURES.pop("fail-2") == "read"


def test_retrieval_time_does_not_grow_with_conversation_length(store, domain):
    tracker = DialogueStateTracker("growth-1", domain.slots)
    for n in range(300):
        turn(tracker, n)
    run(store.save(tracker))
    started = time.perf_counter()
    short = run(store.retrieve("growth-1"))
    elapsed = time.perf_counter() - started
    assert len(short.events) < 30
    assert elapsed < 5  # generous: a sanity bound, not a benchmark


@pytest.mark.parametrize("failure", ["read", "action"])
def test_turn_after_a_failed_read_or_custom_action_is_not_saved(store, domain, failure):
    sender = f"fail-3-{failure}"
    FAILURES.record(sender, failure)
    tracker = DialogueStateTracker(sender, domain.slots)
    turn(tracker, 1)
    with pytest.raises(RuntimeError):
        run(store.save(tracker))
    assert stored_user_events(store, sender) == 0
    assert FAILURES.pop(sender) == failure


def test_a_new_turn_starts_without_the_failures_of_the_last(store, domain):
    tracker = DialogueStateTracker("fail-4", domain.slots)
    turn(tracker, 1)
    run(store.save(tracker))
    FAILURES.record("fail-4", "action")  # left by a turn whose channel did not read it
    tracker = run(store.retrieve("fail-4"))
    turn(tracker, 2)
    run(store.save(tracker))
    assert stored_user_events(store, "fail-4") == 2
    assert FAILURES.peek("fail-4") is None


def all_stored_events(store, sender: str) -> list[dict]:
    with sqlite3.connect(store.engine.url.database) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id=? ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data) for (data,) in rows]


def current_session(events: list[dict]) -> list[dict]:
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    return events[starts[-1] :] if starts else events


def test_bounded_query_gives_what_shortening_the_whole_session_gives(store, domain):
    tracker = DialogueStateTracker("same-1", domain.slots)
    turn(tracker, 0, SlotSet("clinician_attention", True), SlotSet("triage_level", "soon"))
    tracker.update(SessionStarted())
    turn(tracker, 1, SlotSet("triage_level", "routine"), ActiveLoop("triage_form"))
    turn(tracker, 2, SlotSet("requested_slot", "triage_step"))
    turn(tracker, 3, Restarted(), SlotSet("triage_level", "urgent"))
    turn(tracker, 4, ActiveLoop(None), SlotSet("requested_slot", None))
    for n in range(5, 12):
        turn(tracker, n, SlotSet("triage_step", f"step {n}"))
    run(store.save(tracker))

    whole = current_session(all_stored_events(store, "same-1"))
    expected = recent_events(whole, 3)
    got = run(store.retrieve("same-1"))
    assert [e.as_dict() for e in got.events] == expected
    assert got.get_slot("triage_level") == "urgent"
    assert got.get_slot("clinician_attention") is False  # True only in the previous session
    assert got.get_slot("requested_slot") is None
    assert got.active_loop_name is None


def test_rows_before_the_cut_other_than_the_state_are_never_read(store, domain):
    tracker = DialogueStateTracker("unread-1", domain.slots)
    turn(tracker, 0, SlotSet("triage_level", "soon"))
    for n in range(1, 10):
        turn(tracker, n)
    run(store.save(tracker))
    with sqlite3.connect(store.engine.url.database) as db:
        db.execute(
            "UPDATE events SET data='not json' WHERE sender_id=? AND type_name='user'"
            " AND id < (SELECT MAX(id) - 20 FROM events WHERE sender_id=?)",
            ("unread-1", "unread-1"),
        )
    short = run(store.retrieve("unread-1"))
    assert [e.text for e in short.events if isinstance(e, UserUttered)] == [
        "message 7",
        "message 8",
        "message 9",
    ]
    assert short.get_slot("triage_level") == "soon"


LEGACY_HANG = json.loads((ROOT / "tests/data/legacy/two_stage_fallback_hang.json").read_text())


def store_raw_events(store, sender: str, events: list[dict]) -> None:
    """Rows as an earlier version of the bot stored them (here: with a rewind)."""
    with store.session_scope() as session:
        for data in events:
            session.add(
                store.SQLEvent(
                    sender_id=sender,
                    type_name=data["event"],
                    timestamp=data.get("timestamp"),
                    intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                )
            )
        session.commit()


@pytest.mark.parametrize("recent_turns", [3, 4, 8])
def test_a_stored_rewind_is_resolved_before_rasa_gets_the_tracker(tmp_path, domain, recent_turns):
    """The reproduction of issue 15 as the old fallback stored it: the cut fell after the
    message the rewind undid, the snapshot said the two-stage fallback was active, and the
    next message made Rasa run it, rewind and replay without end."""
    store = BoundedSQLTrackerStore(
        domain=domain, host=f"sqlite:///{tmp_path / 'rasa.db'}", recent_turns=recent_turns
    )
    store_raw_events(store, "legacy-1", LEGACY_HANG["events"])
    tracker = run(store.retrieve("legacy-1"))
    kinds = [e.as_dict()["event"] for e in tracker.events]
    assert "rewind" not in kinds and "undo" not in kinds
    assert tracker.active_loop_name is None  # what Rasa itself makes of the whole history
    whole = DialogueStateTracker.from_dict("legacy-1", LEGACY_HANG["events"], domain.slots)
    assert tracker.active_loop_name == whole.active_loop_name
    assert [e.text for e in tracker.applied_events() if isinstance(e, UserUttered)] == [
        e.text for e in whole.applied_events() if isinstance(e, UserUttered)
    ][-recent_turns:]


def test_without_reverts_matches_rasas_applied_events_and_leaves_other_histories_alone():
    events = LEGACY_HANG["events"]
    applied = DialogueStateTracker.from_dict("x", events, []).applied_events()
    assert without_reverts(events) == [e.as_dict() for e in applied]
    plain = [e for e in events if e["event"] != "rewind"]
    assert without_reverts(plain) is plain


def test_resolving_many_rewinds_takes_one_pass(store, domain):
    """Building a tracker event by event replays the history at every rewind (quadratic);
    the store resolves them in one pass."""
    tracker = DialogueStateTracker("many-rewinds", domain.slots)
    events = [e.as_dict() for e in tracker.events]
    for n in range(600):
        events += [
            ActionExecuted("action_listen").as_dict(),
            UserUttered(f"m{n}", {"name": "inform", "confidence": 1.0}).as_dict(),
            ActionExecuted("utter_go_ahead").as_dict(),
            {"event": "rewind", "timestamp": time.time()},
        ]
    started = time.perf_counter()
    resolved = without_reverts(events)
    assert time.perf_counter() - started < 2.0
    assert not any(e["event"] == "rewind" for e in resolved)
