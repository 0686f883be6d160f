"""The clinician tables (SQLAlchemy Core), created by the Alembic migrations in migrations/.

Rasa's own ``events`` table is not here: clinician.tracker alone describes and queries it.
Every clinician table starts with ``clinician_`` so that they sit beside Rasa's tables in the
same database without clashing.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "clinician_accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "clinician_sessions",
    metadata,
    # SHA-256 of the cookie's token: a copy of the database gives no live session.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("clinician_accounts.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
)

login_attempts = sa.Table(
    "clinician_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("client", sa.String(64), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("success", sa.Boolean, nullable=False),
)

audit = sa.Table(
    "clinician_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("actor", sa.String(64), nullable=True),
    sa.Column("role", sa.String(16), nullable=True),
    sa.Column("action", sa.String(32), nullable=False, index=True),
    sa.Column("target", sa.String(255), nullable=True),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("client", sa.String(64), nullable=True),
)

flags = sa.Table(
    "clinician_message_flags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, nullable=False, index=True),
    sa.Column("predicted_intent", sa.String(64), nullable=True),
    sa.Column("correct_intent", sa.String(64), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

notes = sa.Table(
    "clinician_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# One row per conversation, derived from the events; rebuilt incrementally (clinician.summary).
conversations = sa.Table(
    "clinician_conversations",
    metadata,
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

conversation_symptoms = sa.Table(
    "clinician_conversation_symptoms",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("symptom", sa.String(64), primary_key=True, index=True),
)

summary_state = sa.Table(
    "clinician_summary_state",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

CLINICIAN_TABLES = frozenset(t.name for t in metadata.sorted_tables)
