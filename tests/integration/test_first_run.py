"""What a person sees when they start the product (`bot run`, the entry point of `make run`),
and the structured logs an operator asks for with LOG_FORMAT=json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.logs import JSON_FIELDS
from ops.local_stack import READY_ANNOUNCEMENT
from tests.integration.conftest import Stack, start_stack, stop_stack

pytestmark = pytest.mark.integration

MAX_LINES_BEFORE_READY = 25


def test_bot_run_prints_a_short_story_without_warnings_then_a_ready_block(stack: Stack):
    # The shared stack was started by `bot run` from this checkout, with a fresh state
    # folder (no clinician account yet); its log is everything it printed.
    before, _, after = stack.logs().partition(READY_ANNOUNCEMENT)
    assert after, "bot run never announced that it is ready"
    lines = [line for line in before.splitlines() if line.strip()]
    noisy = [
        line for line in lines if "Warning" in line or "Deprecat" in line or "Traceback" in line
    ]
    assert noisy == []
    assert len(lines) <= MAX_LINES_BEFORE_READY, "\n".join(lines)
    for name in ("actions", "rasa", "gateway"):
        assert any(re.search(rf"\b{name} started \(pid=\d+\)", line) for line in lines)
    block = after.split("\n\n")[0]
    url = stack.gateway_url
    for needed in (f"{url}/", f"{url}/api/v1/chat", f"{url}/clinician", f"{url}/docs"):
        assert needed in block
    assert "bot clinician add USERNAME" in block
    assert "Ctrl-C" in block


def test_json_logs_of_a_chat_turn_are_one_object_per_line_without_message_text(
    tmp_path: Path,
):
    secret = "my back has hurt since the wedding of Zebulon Quixwort"
    running = start_stack(tmp_path, LOG_FORMAT="json", LOG_LEVEL="DEBUG")
    try:
        answer = running.chat(secret, session_id="json-logs-session-1")
        assert answer.status_code == 200
    finally:
        stop_stack(running)
    lines = [line for line in running.logs().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(set(JSON_FIELDS) <= set(record) for record in records)
    assert {r["process"] for r in records} >= {"rasa", "actions", "gateway"}
    turns = [r for r in records if r["event"] == "chat.turn"]
    assert [r["session_id"] for r in turns] == ["json-logs-session-1"]
    # Rasa at DEBUG logs the session in its own events too, under the same field.
    assert any(r["process"] == "rasa" and r["session_id"] for r in records)
    log = running.logs()
    for word in ("Zebulon", "Quixwort", "wedding"):
        assert word not in log
