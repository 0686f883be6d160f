"""A gateway app whose Rasa and action server are not running (nothing listens there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from bot.settings import Settings
from tests.integration.conftest import free_port


@pytest.fixture()
def settings(tmp_path) -> Settings:
    return Settings(
        state_dir=tmp_path,
        rasa_port=free_port(),
        action_port=free_port(),
        emergency_number="999",
        rasa_timeout_seconds=2,
    )


@pytest.fixture()
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c
