"""Hot reload and rollback through Rasa's HTTP API while people keep chatting."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import start_stack, stop_stack

pytestmark = pytest.mark.integration
BOT = str(Path(sys.executable).with_name("bot"))


@pytest.fixture(scope="module")
def reload_stack(tmp_path_factory, model_path):
    """A stack of its own with two models to move between (copies of the current one)."""
    tmp = tmp_path_factory.mktemp("reload")
    models = tmp / "models"
    models.mkdir()
    older = models / ("20000101-000000-" + model_path.name.split("-", 2)[2])
    shutil.copy(model_path, older)
    shutil.copy(model_path, models / model_path.name)
    stack = start_stack(tmp, MODELS_DIR=str(models))
    yield stack
    stop_stack(stack)


def bot(stack, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BOT, *args], env=stack.env, capture_output=True, text=True, timeout=600)


def test_chat_keeps_succeeding_while_the_model_is_reloaded(reload_stack):
    failures: list[str] = []
    answered_at: list[float] = []
    stop = threading.Event()

    def stream() -> None:
        n = 0
        with httpx.Client(timeout=60) as client:
            while not stop.is_set() and n < 400:
                n += 1
                r = client.post(
                    f"{reload_stack.gateway_url}/api/v1/chat",
                    json={"session_id": f"reload-{n:04d}", "message": "hello"},
                )
                if r.status_code != 200 or not r.json()["replies"]:
                    failures.append(f"{r.status_code}: {r.text[:200]}")
                else:
                    answered_at.append(time.monotonic())
                time.sleep(0.1)

    worker = threading.Thread(target=stream)
    worker.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(answered_at) < 3:
        time.sleep(0.2)
    started = time.monotonic()
    result = bot(reload_stack, "reload")
    finished = time.monotonic()
    deadline = finished + 60
    while time.monotonic() < deadline and not any(t > finished for t in answered_at):
        time.sleep(0.5)
    stop.set()
    worker.join(120)
    assert result.returncode == 0, result.stderr
    assert "loaded" in result.stdout
    assert failures == []
    assert any(t < started for t in answered_at)
    assert any(t > finished for t in answered_at)


def test_rollback_loads_the_previous_model_and_reload_the_newest(reload_stack):
    rolled = bot(reload_stack, "rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert "rolled back to 20000101-000000-" in rolled.stdout
    assert reload_stack.chat("hello").status_code == 200
    again = bot(reload_stack, "rollback")
    assert again.returncode == 1
    assert "oldest model" in again.stderr
    assert bot(reload_stack, "reload").returncode == 0


def test_bot_chat_talks_through_the_gateway(stack):
    result = subprocess.run(
        [BOT, "chat"],
        input="hello\nwhat is metastatic breast cancer\n",
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "bot: " in result.stdout
    assert "Source: Johns Hopkins Medicine" in result.stdout
