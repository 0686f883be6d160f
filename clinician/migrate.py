"""Bring the clinician tables up to date with the Alembic migrations in ``migrations/``."""

from __future__ import annotations

import threading

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from bot.settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
_lock = threading.Lock()


def alembic_config() -> Config:
    """Alembic's configuration for the clinician migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply pending migrations on this engine's database (idempotent)."""
    config = alembic_config()
    with _lock, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert the clinician tables to a revision."""
    config = alembic_config()
    with _lock, engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current(engine: Engine) -> str | None:
    """The clinician tables' current migration revision (None before the first)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": "clinician_alembic_version"}
        )
        return context.get_current_revision()


def open_store(settings: Settings) -> Engine:
    """The tracker store's database, with the clinician tables migrated to the newest version."""
    url = settings.effective_tracker_store_url
    if url.startswith("sqlite:///"):
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    upgrade(engine)
    return engine
