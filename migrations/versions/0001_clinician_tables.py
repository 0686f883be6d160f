"""Clinician tables: accounts, sessions, login attempts, audit, annotations, summaries.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The audit log is append-only: the product has no path that changes it, and the database
# refuses UPDATE and DELETE on it as well.
_SQLITE_AUDIT_GUARDS = [
    "CREATE TRIGGER clinician_audit_no_update BEFORE UPDATE ON clinician_audit "
    "BEGIN SELECT RAISE(ABORT, 'clinician_audit is append-only'); END",
    "CREATE TRIGGER clinician_audit_no_delete BEFORE DELETE ON clinician_audit "
    "BEGIN SELECT RAISE(ABORT, 'clinician_audit is append-only'); END",
]
_POSTGRES_AUDIT_GUARDS = [
    "CREATE FUNCTION clinician_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'clinician_audit is append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER clinician_audit_no_change BEFORE UPDATE OR DELETE ON clinician_audit "
    "FOR EACH ROW EXECUTE FUNCTION clinician_audit_append_only()",
    "CREATE TRIGGER clinician_audit_no_truncate BEFORE TRUNCATE ON clinician_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION clinician_audit_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "clinician_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "clinician_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("clinician_accounts.id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("last_seen_at", sa.Float, nullable=False),
    )
    op.create_table(
        "clinician_login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("client", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("success", sa.Boolean, nullable=False),
    )
    op.create_table(
        "clinician_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Float, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("action", sa.String(32), nullable=False, index=True),
        sa.Column("target", sa.String(255), nullable=True),
        sa.Column("detail", sa.Text, nullable=True),
        sa.Column("client", sa.String(64), nullable=True),
    )
    op.create_table(
        "clinician_message_flags",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("event_id", sa.Integer, nullable=False, index=True),
        sa.Column("predicted_intent", sa.String(64), nullable=True),
        sa.Column("correct_intent", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "clinician_notes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender_id", sa.String(255), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "clinician_conversations",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("started_at", sa.Float, nullable=False, index=True),
        sa.Column("last_at", sa.Float, nullable=False, index=True),
        sa.Column("week", sa.Integer, nullable=False, index=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("level_rank", sa.SmallInteger, nullable=False, index=True),
        sa.Column("symptoms", sa.Text, nullable=False),
        sa.Column("attention", sa.Boolean, nullable=False, index=True),
        sa.Column("user_messages", sa.Integer, nullable=False),
        sa.Column("event_count", sa.Integer, nullable=False),
        sa.Column("max_event_id", sa.Integer, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_table(
        "clinician_conversation_symptoms",
        sa.Column("sender_id", sa.String(255), primary_key=True),
        sa.Column("symptom", sa.String(64), primary_key=True, index=True),
    )
    op.create_table(
        "clinician_summary_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("last_event_id", sa.Integer, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    guards = {"sqlite": _SQLITE_AUDIT_GUARDS, "postgresql": _POSTGRES_AUDIT_GUARDS}
    for statement in guards.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS clinician_audit_no_change ON clinician_audit")
        op.execute("DROP TRIGGER IF EXISTS clinician_audit_no_truncate ON clinician_audit")
        op.execute("DROP FUNCTION IF EXISTS clinician_audit_append_only()")
    for table in (
        "clinician_summary_state",
        "clinician_conversation_symptoms",
        "clinician_conversations",
        "clinician_notes",
        "clinician_message_flags",
        "clinician_audit",
        "clinician_login_attempts",
        "clinician_sessions",
        "clinician_accounts",
    ):
        op.drop_table(table)
