"""Retention for the care team's tables: a deleted conversation takes its alerts, their
deliveries and its summary tokens with it (called by ``clinician.retention.apply``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from clinician.care_team.schema import alerts, deliveries, summary_tokens


def forget(conn: Connection, session_ids: list[str]) -> None:
    """Deletes everything the care team kept about these conversations."""
    mine = sa.select(alerts.c.id).where(alerts.c.session_id.in_(session_ids))
    conn.execute(deliveries.delete().where(deliveries.c.alert_id.in_(mine)))
    conn.execute(alerts.delete().where(alerts.c.session_id.in_(session_ids)))
    conn.execute(summary_tokens.delete().where(summary_tokens.c.session_id.in_(session_ids)))
