"""Retention: delete conversations whose last event is older than RETENTION_DAYS.

A conversation goes as a whole: its events in Rasa's tracker store, its flags and notes, and
its summary row. The audit log stays (it names session ids, never message text).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from clinician import summary, tracker
from clinician.care_team import retention as care_team_retention
from clinician.schema import flags, notes

CHUNK = 500


@dataclass
class RetentionReport:
    cutoff: float
    conversations: int = 0
    events: int = 0
    flags: int = 0
    notes: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        """The report as a plain dict (for JSON output)."""
        return asdict(self)


def expired_conversations(engine: Engine, cutoff: float) -> list[str]:
    """Conversations whose last event is older than the cutoff."""
    if not tracker.table_exists(engine):
        return []
    with engine.connect() as conn:
        return tracker.senders_inactive_since(conn, cutoff)


def apply(engine: Engine, days: int, now: float | None = None, dry_run: bool = False):
    """Delete (or, dry, count) the events, flags and notes of expired conversations."""
    now = time.time() if now is None else now
    report = RetentionReport(cutoff=now - days * 86400.0, dry_run=dry_run)
    expired = expired_conversations(engine, report.cutoff)
    report.conversations = len(expired)
    for start in range(0, len(expired), CHUNK):
        chunk = expired[start : start + CHUNK]
        with engine.begin() as conn:
            if dry_run:
                report.events += tracker.count_events(conn, chunk)
                report.flags += conn.execute(
                    sa.select(sa.func.count()).where(flags.c.sender_id.in_(chunk))
                ).scalar()
                report.notes += conn.execute(
                    sa.select(sa.func.count()).where(notes.c.sender_id.in_(chunk))
                ).scalar()
                continue
            report.flags += conn.execute(
                flags.delete().where(flags.c.sender_id.in_(chunk))
            ).rowcount
            report.notes += conn.execute(
                notes.delete().where(notes.c.sender_id.in_(chunk))
            ).rowcount
            report.events += tracker.delete_events(conn, chunk)
            summary.forget(conn, chunk)
            care_team_retention.forget(conn, chunk)
    return report
