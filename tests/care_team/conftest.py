"""A tracker store with Rasa's events table and the migrated tables, and the real receivers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.settings import Settings
from clinician.migrate import upgrade
from tests.care_team.receivers import SmtpReceiver, WebhookReceiver, self_signed_cert
from tests.clinician.conftest import pg_database  # noqa: F401 (a fixture used by name)
from tests.clinician.factory import create_events_table
from tests.integration.conftest import free_port


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path: Path) -> Iterator[Engine]:
    """The tracker store on SQLite and on PostgreSQL (a database of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'rasa.db'}"
    else:
        url = request.getfixturevalue("pg_database")
    create_events_table(url)
    engine = sa.create_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture()
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secrets.token_hex(16), free_port()).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def smtp(tls_files: tuple[Path, Path]) -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver(free_port(), *tls_files).start()
    yield receiver
    receiver.stop()


def alert_settings(
    tmp_path: Path, webhook: WebhookReceiver | None, smtp: SmtpReceiver | None, **kw
) -> Settings:
    """Settings with the receivers configured and fast retries."""
    values: dict = {
        "state_dir": tmp_path,
        "public_base_url": "https://care.example.org",
        "alert_retry_base_seconds": 0.05,
        "alert_retry_max_seconds": 0.2,
        "alert_poll_seconds": 0.1,
        "alert_timeout_seconds": 5,
    }
    if webhook:
        values.update(alert_webhook_url=webhook.url, alert_webhook_secret=webhook.secret)
    if smtp:
        values.update(
            alert_smtp_url=smtp.url,
            alert_smtp_ca_file=smtp.cert,
            alert_email_from="alerts@care.example.org",
            alert_email_to=["oncology-nurses@care.example.org"],
        )
    values.update(kw)
    return Settings(**values)
