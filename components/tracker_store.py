"""Rasa's SQL tracker store, bounded for long conversations and loud about failures.

Two problems of Rasa 3.6's ``SQLTrackerStore`` (see the design's pitfalls) are handled here:

- **Long conversations slow every turn.** Each turn Rasa rebuilds the whole session from its
  events and the policies featurize all of it. ``retrieve`` here hands Rasa only the last
  ``recent_turns`` user turns, preceded by a snapshot of the state at the cut (slot values,
  the active loop), which is all the policies (``max_history`` 4) and the triage form need.
  The database keeps every event: clinicians and exports read the full record.
- **Failures are silent.** Rasa wraps every store in ``FailSafeTrackerStore``, which on a
  failed read starts a new conversation and on a failed write keeps the events in memory,
  and still answers 200. Failed reads and writes are recorded here per conversation, so the
  REST channel (``components/channels.py``) can answer 503 for that turn instead.

``save`` stores exactly the events added since ``retrieve`` handed the tracker out, instead
of counting the stored events of the session (which would not match a shortened tracker).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

_BASELINE = "_stored_event_count"


def recent_events(events: list[dict[str, Any]], recent_turns: int) -> list[dict[str, Any]]:
    """The session's events shortened to the last ``recent_turns`` user turns, after a
    snapshot of the slots and the active loop at the cut. Short sessions come back whole."""
    user_positions = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if len(user_positions) <= recent_turns:
        return events
    cut = user_positions[-recent_turns]
    slots: dict[str, Any] = {}
    loop: str | None = None
    for event in events[:cut]:
        kind = event.get("event")
        if kind == "slot":
            slots[event["name"]] = event.get("value")
        elif kind == "active_loop":
            loop = event.get("name")
        elif kind in ("session_started", "restart"):
            slots, loop = {}, None
    stamp = float(events[cut].get("timestamp") or 0.0) - 1e-3
    snapshot: list[Event] = [
        ActionExecuted("action_session_start", timestamp=stamp),
        SessionStarted(timestamp=stamp),
        *(SlotSet(name, value, timestamp=stamp) for name, value in slots.items()),
    ]
    if loop:
        snapshot.append(ActiveLoop(loop, timestamp=stamp))
    snapshot.append(ActionExecuted("action_listen", timestamp=stamp))
    return [e.as_dict() for e in snapshot] + events[cut:]


class BoundedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with bounded retrieval and recorded failures (see module doc)."""

    def __init__(self, *args: Any, recent_turns: int | str = 8, **kwargs: Any) -> None:
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
        self._failures: dict[str, str] = {}

    def pop_failure(self, sender_id: str) -> str | None:
        """ "read" or "write" if the last turn of this conversation hit a database error."""
        return self._failures.pop(sender_id, None)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        try:
            with self.session_scope() as session:
                rows = self._event_query(
                    session, sender_id, fetch_events_from_all_sessions=False
                ).all()
                events = [json.loads(row.data) for row in rows]
        except Exception:
            self._failures[sender_id] = "read"
            logger.error("tracker store read failed for conversation %s", sender_id)
            raise
        if not self.domain or not events:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, recent_events(events, self.recent_turns), self.domain.slots
        )
        setattr(tracker, _BASELINE, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self._failures.get(tracker.sender_id) == "read":
            # Rasa went on with an empty stand-in tracker after the failed read; storing its
            # events would put a half-understood turn into the record. The turn answers 503.
            raise RuntimeError("not saving a turn whose tracker could not be read")
        try:
            await self._save_new_events(tracker)
        except Exception:
            self._failures[tracker.sender_id] = "write"
            logger.error("tracker store write failed for conversation %s", tracker.sender_id)
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
