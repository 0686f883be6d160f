"""bot.logs: what the three processes' logs hold, and which warnings they leave out."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest

from bot import logs
from bot.content.console import ready_block
from components.training_progress import time_left
from ops.run_printer import JsonPrinter

SECRET = "my hip hurts since Zebulon's wedding"


def _record(msg, *args, exc_info=None, **extra) -> logging.LogRecord:
    record = logging.LogRecord(
        "rasa.core.channels.rest", logging.ERROR, "x.py", 1, msg, args, exc_info
    )
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(_record(f"An exception occurred while handling '{SECRET}'"), id="f-string"),
        pytest.param(_record("handling %s failed", SECRET), id="template"),
        pytest.param(
            _record({"event": "processor.message.parse", "text": SECRET, "sender_id": "s-1"}),
            id="structlog",
        ),
    ],
)
def test_json_formatter_keeps_the_fixed_fields_and_never_the_message_text(record):
    line = logs.JsonFormatter("rasa").format(record)
    data = json.loads(line)
    assert list(data) == list(logs.JSON_FIELDS)
    assert data["process"] == "rasa" and data["level"] == "error"
    assert "Zebulon" not in line and "hip" not in line


def test_json_formatter_names_the_session_from_extra_structlog_or_the_turn_context():
    fmt = logs.JsonFormatter("gateway")
    ours = json.loads(fmt.format(_record("turn", event="chat.turn", session_id="abc-123")))
    assert ours["event"] == "chat.turn" and ours["session_id"] == "abc-123"
    rasa = json.loads(fmt.format(_record({"event": "x", "sender_id": "s-9"})))
    assert rasa["session_id"] == "s-9"
    with logs.session_context("turn-42"):
        inside = json.loads(fmt.format(_record("Received user message")))
    assert inside["session_id"] == "turn-42"
    assert json.loads(fmt.format(_record("after")))["session_id"] is None


def test_json_formatter_gives_an_errors_type_not_its_text():
    try:
        raise ValueError(SECRET)
    except ValueError:
        record = _record("failed", exc_info=sys.exc_info())
    line = logs.JsonFormatter("actions").format(record)
    assert json.loads(line)["error"] == "ValueError" and "Zebulon" not in line


def test_text_formatter_leaves_out_rasas_message_text_keys():
    record = _record({"event": "processor.message.parse", "text": SECRET, "intent": "x"})
    line = logs.TextFormatter().format(record)
    assert "processor.message.parse" in line and "intent=x" in line and "Zebulon" not in line


def test_known_third_party_warnings_are_silent_and_ours_still_show():
    # A fresh interpreter, as each entry point is: the real imports that warned, then a
    # warning of our own and one that nobody expects.
    code = """
from bot import logs
logs.quiet_third_party(preload=logs.FILTER_RESETTING_IMPORTS)
import rasa_sdk.endpoint, rasa.core.tracker_store, rasa.server
import matplotlib.pyplot, packaging.requirements
import warnings
warnings.warn("ours: a UserWarning of the project", UserWarning)
warnings.warn_explicit("a DeprecationWarning nobody expects", DeprecationWarning, "x.py", 1,
                       module="somewhere.else")
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    ).stderr
    shown = [line for line in out.splitlines() if "Warning" in line]
    assert len(shown) == 2, out
    assert "ours: a UserWarning" in shown[0] and "nobody expects" in shown[1]


def test_ready_block_hints_at_the_first_clinician_account_only_when_there_is_none():
    fresh = ready_block(12.3, "http://127.0.0.1:8000", has_clinician_account=False)
    assert fresh.startswith("==> ready in 12 s")
    assert "bot clinician add USERNAME" in fresh
    for path in ("/", "/api/v1/chat", "/clinician", "/docs"):
        assert re.search(rf"http://127\.0\.0\.1:8000{re.escape(path)}(\s|$)", fresh), path
    used = ready_block(12.3, "http://127.0.0.1:8000", has_clinician_account=True)
    assert "clinician add" not in used and "Ctrl-C" in used


def test_training_time_left_uses_the_previous_training_then_the_average_step():
    previous = {"a": 10.0, "b": 30.0, "c": 20.0}
    # 'a' took twice as long as last time: the rest is expected at the same pace.
    assert time_left(["a"], 3, 20.0, previous) == pytest.approx(100.0)
    assert time_left(["a", "x"], 4, 8.0, {}) == pytest.approx(8.0)
    assert time_left([], 4, 1.0, {}) is None
    assert time_left(["a", "b", "c"], 3, 60.0, previous) == 0.0


def test_json_printer_turns_honchos_start_and_stop_lines_into_json_objects():
    import io
    from datetime import datetime

    from honcho.printer import Message

    out = io.StringIO()
    printer = JsonPrinter(out)
    now = datetime.now()
    printer.write(Message("line", "rasa started (pid=123)\n", now, "system", None))
    printer.write(Message("line", b'{"event": "x"}\n', now, "rasa", None))
    first, second = out.getvalue().splitlines()
    started = json.loads(first)
    assert started["process"] == "rasa" and started["event"] == "process.started"
    assert started["pid"] == 123
    assert second == '{"event": "x"}'  # the process's own JSON line, without a prefix
