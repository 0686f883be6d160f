"""The care team's tables (SQLAlchemy Core), created by migration ``0002_care_team``.

They sit beside Rasa's ``events`` and the ``clinician_`` tables in the same database, so an
alert is stored durably (and transactionally) before anything is sent.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

#: One row per alert: what the webhook receives (``body``, byte for byte on every attempt).
alerts = sa.Table(
    "care_team_alerts",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # Which event caused it: the same event never makes a second alert, whoever scans it.
    sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("session_id", sa.String(255), nullable=False, index=True),
    sa.Column("level", sa.String(16), nullable=True),
    sa.Column("symptoms", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
)

#: One row per alert and receiver ("webhook", "email"): the sent flag, attempts and backoff.
deliveries = sa.Table(
    "care_team_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.String(36), sa.ForeignKey("care_team_alerts.id"), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False, index=True),
    # A sender holds a delivery while it tries it, so two senders never send it together.
    sa.Column("lease_until", sa.Float, nullable=True),
    sa.Column("last_error", sa.String(255), nullable=True),
    sa.Column("sent_at", sa.Float, nullable=True),
    sa.UniqueConstraint("alert_id", "channel", name="uq_care_team_delivery"),
)

#: The last tracker-store event id the alert scan has read.
scan_state = sa.Table(
    "care_team_scan_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

#: SHA-256 of each summary page token (a copy of the database opens no summary).
summary_tokens = sa.Table(
    "care_team_summary_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("session_id", sa.String(255), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

CARE_TEAM_TABLES = frozenset(t.name for t in metadata.sorted_tables)
