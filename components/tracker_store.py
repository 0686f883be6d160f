"""Rasa's SQL tracker store, bounded for long conversations and loud about failures.

Two problems of Rasa 3.6's ``SQLTrackerStore`` (see the design's pitfalls) are handled here:

- **Long conversations slow every turn.** Each turn Rasa rebuilds the whole session from its
  events and the policies featurize all of it. ``retrieve`` here hands Rasa only the last
  ``recent_turns`` user turns, preceded by a snapshot of the state at the cut (slot values,
  the active loop), which is all the policies (``max_history`` 4) and the triage form need.
  The query itself is bounded: it reads the rows from the cut on, plus the latest row of
  each slot and of the active loop before it, so a turn costs the same at turn 5 and turn
  500. The database keeps every event: clinicians and exports read the full record.
- **Failures are silent.** Rasa wraps every store in ``FailSafeTrackerStore``, which on a
  failed read starts a new conversation and on a failed write keeps the events in memory,
  and still answers 200. Failed reads and writes are recorded in ``components.turn_failures``,
  so the REST channel (``components/channels.py``) can answer 503 for that turn instead; a
  turn after a failed read or a failed custom action is not saved at all.

``save`` stores exactly the events added since ``retrieve`` handed the tracker out, instead
of counting the stored events of the session (which would not match a shortened tracker).

**Rewinds.** A ``rewind`` (``UserUtteranceReverted``) or ``undo`` (``ActionReverted``) makes
every later copy of the tracker replay the history once per rewind, and Rasa copies the
tracker for every action it predicts. It can also reach back before the cut: the two-stage
fallback's rewind undid the fallback loop and the message that started it, but after a cut
the snapshot still said the loop was active, so a later "hmm" ran the loop, rewound and
re-added the message without end (issue 15). The bot no longer rewinds (actions/fallback.py);
for conversations stored before that, a session whose recent rows hold a rewind is read
whole once and handed to Rasa as Rasa's own ``applied_events`` (the rewinds resolved), so the
tracker Rasa gets never carries a rewind and the cut falls on the conversation as it stands.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from components.turn_failures import FAILURES, NOT_TO_BE_SAVED, READ, WRITE

logger = logging.getLogger(__name__)

_BASELINE = "_stored_event_count"
#: Events that undo earlier ones (see "Rewinds" in the module docstring).
REVERTING = (UserUtteranceReverted.type_name, ActionReverted.type_name)


def without_reverts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events as Rasa applies them (``DialogueStateTracker.applied_events``): rewinds and
    undos resolved, with the events they undo. Computed in one pass, without replaying the
    history at each rewind as building a tracker event by event would.
    """
    if not any(e.get("event") in REVERTING for e in events):
        return events
    tracker = DialogueStateTracker("resolve", [])
    tracker.events.extend(Event.from_parameters(e) for e in events)
    return [e.as_dict() for e in tracker.applied_events()]


def recent_events(events: list[dict[str, Any]], recent_turns: int) -> list[dict[str, Any]]:
    """The session's events shortened to the last ``recent_turns`` user turns, after a
    snapshot of the slots and the active loop at the cut. Short sessions come back whole.
    """
    events = without_reverts(events)
    user_positions = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(user_positions) <= recent_turns:
        return events
    cut = user_positions[-recent_turns]
    return with_snapshot(events[:cut], events[cut:])


def with_snapshot(
    before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``after`` preceded by a new session whose slots and active loop are those that the
    events in ``before`` leave set.
    """
    slots: dict[str, Any] = {}
    loop: str | None = None
    for event in before:
        kind = event.get("event")
        if kind == "slot":
            slots[event["name"]] = event.get("value")
        elif kind == "active_loop":
            loop = event.get("name")
        elif kind in ("session_started", "restart"):
            slots, loop = {}, None
    stamp = float(after[0].get("timestamp") or 0.0) - 1e-3
    snapshot: list[Event] = [
        ActionExecuted("action_session_start", timestamp=stamp),
        SessionStarted(timestamp=stamp),
        *(SlotSet(name, value, timestamp=stamp) for name, value in slots.items()),
    ]
    if loop:
        snapshot.append(ActiveLoop(loop, timestamp=stamp))
    snapshot.append(ActionExecuted("action_listen", timestamp=stamp))
    return [e.as_dict() for e in snapshot] + after


class BoundedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with bounded retrieval and recorded failures (see module doc)."""

    def __init__(self, *args: Any, recent_turns: int | str = 4, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Test each pooled connection before use, so that after a database restart the next
        # turn reconnects instead of failing once per stale connection.
        plain = self.engine
        self.engine = sa.create_engine(
            plain.url, pool_pre_ping=True, **create_engine_kwargs(plain.url)
        )
        plain.dispose()
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.recent_turns = int(recent_turns)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's recent tracker, recording a failed read for the turn."""
        FAILURES.start_turn(sender_id)  # Rasa reads the tracker once, as a turn starts
        try:
            with self.session_scope() as session:
                events = self._recent_session_events(session, sender_id)
        except Exception:
            FAILURES.record(sender_id, READ)
            logger.error(
                "tracker store read failed for conversation %s",
                sender_id,
                extra={"event": "tracker_store.read_failed", "session_id": sender_id},
            )
            raise
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _BASELINE, len(tracker.events))
        return tracker

    def _recent_session_events(self, session: Any, sender_id: str) -> list[dict[str, Any]]:
        """The current session's events as ``recent_events`` would shorten them, read with
        queries whose cost does not grow with the length of the conversation.
        """
        event = self.SQLEvent
        mine = event.sender_id == sender_id
        # The session's bounds and order as Rasa's own ``_event_query``: from the timestamp
        # of the latest ``session_started``, in id order.
        start = (
            session.query(sa.func.max(event.timestamp))
            .filter(mine, event.type_name == SessionStarted.type_name)
            .scalar()
        )
        in_session = [mine] if start is None else [mine, event.timestamp >= start]
        cut = (
            session.query(event.id)
            .filter(*in_session, event.type_name == "user")
            .order_by(event.id.desc())
            .offset(self.recent_turns - 1)
            .limit(1)
            .scalar()
        )
        reverted_since_cut = cut is not None and (
            session.query(event.id)
            .filter(*in_session, event.id >= cut, event.type_name.in_(REVERTING))
            .limit(1)
            .scalar()
            is not None
        )
        if cut is None or reverted_since_cut:
            # The whole session: short, or holding a rewind that may reach before the cut
            # (conversations stored before the bot stopped rewinding; see the module doc).
            rows = session.query(event.data).filter(*in_session).order_by(event.id)
            return recent_events([json.loads(row.data) for row in rows], self.recent_turns)
        before_cut = [*in_session, event.id < cut]
        restart = (
            session.query(sa.func.max(event.id))
            .filter(*before_cut, event.type_name == "restart")
            .scalar()
        )
        if restart is not None:
            before_cut.append(event.id > restart)
        latest_slots = (
            session.query(sa.func.max(event.id))
            .filter(*before_cut, event.type_name == "slot")
            .group_by(event.action_name)
        )
        latest_loop = (
            session.query(sa.func.max(event.id))
            .filter(*before_cut, event.type_name == "active_loop")
            .scalar_subquery()
        )
        state = (
            session.query(event.data)
            .filter(sa.or_(event.id.in_(latest_slots), event.id == latest_loop))
            .order_by(event.id)
        )
        recent = session.query(event.data).filter(*in_session, event.id >= cut).order_by(event.id)
        return with_snapshot(
            [json.loads(row.data) for row in state], [json.loads(row.data) for row in recent]
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's new events; refuse a failed turn, record a failed write."""
        failure = FAILURES.peek(tracker.sender_id)
        if failure in NOT_TO_BE_SAVED:
            # After a failed read Rasa went on with an empty stand-in tracker; after a failed
            # custom action, without its events and replies. Storing either would put a
            # half-done turn into the record. The turn answers 503.
            raise RuntimeError(f"not saving a turn after a failed {failure}")
        try:
            await self._save_new_events(tracker)
        except Exception:
            FAILURES.record(tracker.sender_id, WRITE)
            logger.error(
                "tracker store write failed for conversation %s",
                tracker.sender_id,
                extra={"event": "tracker_store.write_failed", "session_id": tracker.sender_id},
            )
            raise

    async def _save_new_events(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.session_scope() as session:
            baseline = getattr(tracker, _BASELINE, None)
            events = list(tracker.events)
            if baseline is not None and baseline <= len(events):
                new = events[baseline:]
            else:
                new = list(self._additional_events(session, tracker))
            for event in new:
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()
        setattr(tracker, _BASELINE, len(events))
