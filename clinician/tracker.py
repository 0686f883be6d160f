"""Rasa's tracker store: the one module that knows (and queries) Rasa's ``events`` table.

Rasa 3.6's ``SQLTrackerStore`` owns ``events`` and keeps one row per event (``sender_id`` is the
chat session id, ``data`` the whole event as JSON). Everything else in the clinician feature and
the gateway asks its questions through the functions here, so that a change in Rasa's storage
touches this module alone. The table is described, never created or migrated (Alembic manages
only ``clinician.schema.CLINICIAN_TABLES`` and the care team's tables); queries are built with
SQLAlchemy Core, never formatted from strings.

Functions taking a ``Connection`` run inside the caller's transaction (a flag is stored in the
same transaction that found its message; retention deletes events with the flags and notes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from clinician.schema import flags

# Rasa 3.6's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent). Never migrated here,
# so it has a MetaData of its own, apart from the clinician tables'.
_rasa_metadata = sa.MetaData()
events = sa.Table(
    "events",
    _rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)
"""Rasa's ``events`` table; imported by no module but this one (and the tests)."""


# ---------------------------------------------------------------- the table itself
def table_exists(bind: Engine | Connection) -> bool:
    """Whether Rasa's ``events`` table exists yet (Rasa creates it when it first starts).

    Args:
        bind: The store's engine, or a connection to it.

    Returns:
        True once the table exists.
    """
    return sa.inspect(bind).has_table(events.name)


def store_ready(engine: Engine) -> bool:
    """The database answers and Rasa's ``events`` table exists."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(sa.literal(1)))
            return table_exists(conn)
    except Exception:  # any driver error means "not ready"
        return False


# ---------------------------------------------------------------- one conversation
def latest_user_message_at(engine: Engine, sender_id: str) -> float | None:
    """The time of the conversation's newest stored user message (None when there is none)."""
    query = sa.select(sa.func.max(events.c.timestamp)).where(
        events.c.sender_id == sender_id, events.c.type_name == "user"
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def has_events(engine: Engine, sender_id: str) -> bool:
    """Whether the tracker store holds any event of this conversation."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(events.c.id).where(events.c.sender_id == sender_id).limit(1)
        ).first()
    return found is not None


def session_events(conn: Connection, sender_id: str, types: Iterable[str]) -> Sequence[Row]:
    """A conversation's events of these types, in id order.

    Args:
        conn: A connection to the store.
        sender_id: The conversation (chat session id).
        types: The event types (``type_name``) to read.

    Returns:
        Rows of ``id, type_name, timestamp, data`` (``data`` the event's JSON text).
    """
    return conn.execute(
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == sender_id, events.c.type_name.in_(tuple(types)))
        .order_by(events.c.id)
    ).all()


def user_turn(conn: Connection, sender_id: str, event_id: int) -> Row | None:
    """The user message with this event id in this conversation, or None.

    Returns:
        A row with ``intent_name`` (the intent Rasa predicted, possibly None).
    """
    return conn.execute(
        sa.select(events.c.intent_name).where(
            events.c.id == event_id,
            events.c.sender_id == sender_id,
            events.c.type_name == "user",
        )
    ).first()


def previous_event(conn: Connection, sender_id: str, before_id: int, type_name: str) -> Row | None:
    """The conversation's latest event of this type with an id below ``before_id``, or None.

    Returns:
        A row with ``id`` and ``action_name``.
    """
    return conn.execute(
        sa.select(events.c.id, events.c.action_name)
        .where(
            events.c.sender_id == sender_id,
            events.c.id < before_id,
            events.c.type_name == type_name,
        )
        .order_by(events.c.id.desc())
        .limit(1)
    ).first()


def previous_slot_data(conn: Connection, sender_id: str, before_id: int, slot: str) -> str | None:
    """The JSON ``data`` of the conversation's latest setting of a slot before ``before_id``.

    Rasa stores a slot event's slot name in ``action_name``. None when the slot was not set.
    """
    return conn.execute(
        sa.select(events.c.data)
        .where(
            events.c.sender_id == sender_id,
            events.c.id < before_id,
            events.c.type_name == "slot",
            events.c.action_name == slot,
        )
        .order_by(events.c.id.desc())
        .limit(1)
    ).scalar()


# ---------------------------------------------------------------- many conversations
def newest_event_id(conn: Connection) -> int:
    """The highest event id in the store (0 when it is empty)."""
    return conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0


def senders_after(conn: Connection, after_id: int) -> set[str]:
    """The conversations with an event whose id is above ``after_id``."""
    return {
        r[0]
        for r in conn.execute(
            sa.select(events.c.sender_id).where(events.c.id > after_id).distinct()
        )
    }


def newest_ids_between(conn: Connection, low: int, high: int) -> dict[str, int]:
    """Conversation -> its highest event id, for the conversations with an id in (low, high]."""
    return dict(
        conn.execute(
            sa.select(events.c.sender_id, sa.func.max(events.c.id))
            .where(events.c.id > low, events.c.id <= high)
            .group_by(events.c.sender_id)
        ).all()
    )


def event_counts(conn: Connection, sender_ids: Sequence[str]) -> dict[str, int]:
    """Conversation -> its number of events (of every type); absent ones have none."""
    return dict(
        conn.execute(
            sa.select(events.c.sender_id, sa.func.count())
            .where(events.c.sender_id.in_(sender_ids))
            .group_by(events.c.sender_id)
        ).all()
    )


def events_of_sessions(
    conn: Connection, sender_ids: Sequence[str], types: Iterable[str]
) -> Sequence[Row]:
    """The events of these types of several conversations, in one query, in id order.

    Returns:
        Rows of ``id, sender_id, type_name, timestamp, data``.
    """
    return conn.execute(
        sa.select(
            events.c.id,
            events.c.sender_id,
            events.c.type_name,
            events.c.timestamp,
            events.c.data,
        )
        .where(events.c.sender_id.in_(sender_ids), events.c.type_name.in_(tuple(types)))
        .order_by(events.c.id)
    ).all()


def slot_events_after(conn: Connection, after_id: int, slots: Iterable[str]) -> Sequence[Row]:
    """Every conversation's settings of these slots with an id above ``after_id``, in id order.

    Returns:
        Rows of ``id, sender_id, timestamp, action_name`` (the slot's name) ``, data``.
    """
    return conn.execute(
        sa.select(
            events.c.id,
            events.c.sender_id,
            events.c.timestamp,
            events.c.action_name,
            events.c.data,
        )
        .where(
            events.c.id > after_id,
            events.c.type_name == "slot",
            events.c.action_name.in_(tuple(slots)),
        )
        .order_by(events.c.id)
    ).all()


def flagged_messages(conn: Connection) -> Sequence[Row]:
    """The messages clinicians flagged, each once under its latest flag, in flag order.

    A flag whose message is no longer stored is left out (the join with ``events``).

    Returns:
        Rows of ``correct_intent, data`` (the flagged user event's JSON text).
    """
    latest = (
        sa.select(flags.c.event_id, sa.func.max(flags.c.id).label("flag_id"))
        .group_by(flags.c.event_id)
        .subquery()
    )
    return conn.execute(
        sa.select(flags.c.correct_intent, events.c.data)
        .select_from(
            latest.join(flags, flags.c.id == latest.c.flag_id).join(
                events, events.c.id == flags.c.event_id
            )
        )
        .order_by(flags.c.id)
    ).all()


# ---------------------------------------------------------------- retention
def senders_inactive_since(conn: Connection, cutoff: float) -> list[str]:
    """The conversations whose newest event is older than ``cutoff`` (a Unix time)."""
    rows = conn.execute(
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    ).all()
    return [r[0] for r in rows]


def count_events(conn: Connection, sender_ids: Sequence[str]) -> int:
    """How many events these conversations have (what retention would delete)."""
    return conn.execute(
        sa.select(sa.func.count()).where(events.c.sender_id.in_(sender_ids))
    ).scalar()


def delete_events(conn: Connection, sender_ids: Sequence[str]) -> int:
    """Delete every event of these conversations; returns how many were deleted."""
    return conn.execute(events.delete().where(events.c.sender_id.in_(sender_ids))).rowcount
