"""Alembic environment for the clinician tables only (never Rasa's ``events`` table).

Rasa's table is described in clinician.tracker on a MetaData of its own, so it is neither in
``metadata`` nor in the table names ``include_object`` lets through.

Run through ``clinician.migrate.upgrade`` (the gateway does it at start-up, the ``bot``
commands before they touch the tables), or by hand: ``alembic upgrade head`` with the URL from
the settings (TRACKER_STORE_URL, default the SQLite file in the state folder).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from clinician.care_team.schema import CARE_TEAM_TABLES
from clinician.schema import CLINICIAN_TABLES, metadata

VERSION_TABLE = "clinician_alembic_version"


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return name in CLINICIAN_TABLES | CARE_TEAM_TABLES
    return True


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from bot.settings import get_settings

    engine = create_engine(get_settings().effective_tracker_store_url)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
