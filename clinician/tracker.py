"""What the gateway asks of Rasa's tracker store, built on :data:`clinician.schema.events`.

The gateway needs two answers from the database Rasa writes: is the store usable (``/readyz``;
Rasa's fail-safe store hides a broken database), and has a conversation's user message been
stored since a time (before a dropped turn is failed over to another replica). Both live here
so that the gateway holds no SQL of its own.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinician.schema import events


def store_ready(engine: Engine) -> bool:
    """The database answers and Rasa's ``events`` table exists."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.select(sa.literal(1)))
            return sa.inspect(conn).has_table(events.name)
    except Exception:  # any driver error means "not ready"
        return False


def latest_user_message_at(engine: Engine, sender_id: str) -> float | None:
    """The time of the conversation's newest stored user message (None when there is none)."""
    query = sa.select(sa.func.max(events.c.timestamp)).where(
        events.c.sender_id == sender_id, events.c.type_name == "user"
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar()
