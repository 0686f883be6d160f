"""Care team: the alert outbox, its deliveries and scan cursor, and summary-page tokens.

Revision ID: 0002_care_team
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_care_team"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_team_alerts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False, unique=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("session_id", sa.String(255), nullable=False, index=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("symptoms", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "care_team_deliveries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.String(36), sa.ForeignKey("care_team_alerts.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False, index=True),
        sa.Column("lease_until", sa.Float, nullable=True),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.UniqueConstraint("alert_id", "channel", name="uq_care_team_delivery"),
    )
    op.create_table(
        "care_team_scan_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_event_id", sa.Integer, nullable=False),
    )
    op.create_table(
        "care_team_summary_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("session_id", sa.String(255), nullable=False, index=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "care_team_summary_tokens",
        "care_team_scan_state",
        "care_team_deliveries",
        "care_team_alerts",
    ):
        op.drop_table(table)
