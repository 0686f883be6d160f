"""Alerts through the real stack (`bot run`: Rasa, actions, gateway) to real receivers on
loopback: the webhook receiver from the docs (verifies the signature, drops repeats) and an
aiosmtpd server that requires STARTTLS."""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.care_team.receivers import SmtpReceiver, WebhookReceiver, self_signed_cert
from tests.integration.conftest import Stack, free_port, start_stack, stop_stack

pytestmark = pytest.mark.integration

EMERGENCY = "my back is killing me and my legs have gone numb"
MESSAGE_WORDS = ("killing me", "gone numb", "nurse please")


def alert_env(hook: WebhookReceiver, smtp: SmtpReceiver) -> dict[str, str]:
    return {
        "ALERT_WEBHOOK_URL": hook.url,
        "ALERT_WEBHOOK_SECRET": hook.secret,
        "ALERT_SMTP_URL": smtp.url,
        "ALERT_SMTP_CA_FILE": str(smtp.cert),
        "ALERT_EMAIL_FROM": "alerts@care.example.org",
        "ALERT_EMAIL_TO": "oncology-nurses@care.example.org",
        "ALERT_POLL_SECONDS": "0.5",
        "ALERT_RETRY_BASE_SECONDS": "1",
        "ALERT_RETRY_MAX_SECONDS": "2",
        "PUBLIC_BASE_URL": "https://care.example.org",
    }


def wait_for(condition, seconds: float = 45) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


def no_message_text(hook: WebhookReceiver, smtp: SmtpReceiver) -> None:
    for sent in [json.dumps(a) for a in hook.alerts] + [m.as_string() for m in smtp.messages]:
        for words in MESSAGE_WORDS:
            assert words not in sent


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture()
def receivers(tls) -> Iterator[tuple[WebhookReceiver, SmtpReceiver]]:
    hook = WebhookReceiver(secrets.token_hex(16), free_port())
    smtp = SmtpReceiver(free_port(), *tls)
    yield hook, smtp
    hook.stop()
    smtp.stop()


def test_emergency_and_a_nurse_request_each_send_one_signed_webhook_and_one_email(
    tmp_path, model_path, receivers
):
    hook, smtp = receivers
    hook.start()
    smtp.start()
    stack = start_stack(tmp_path, **alert_env(hook, smtp))
    try:
        r = stack.chat(EMERGENCY, "alerts-emergency-0001")
        assert r.status_code == 200 and r.json()["triage"]["level"] == "emergency"
        wait_for(lambda: hook.alerts and smtp.messages)
        nurse = stack.chat("can I talk to a nurse please", "alerts-nurse-00001")
        assert nurse.status_code == 200
        wait_for(lambda: len(hook.alerts) >= 2 and len(smtp.messages) >= 2)
        time.sleep(3)  # a few more delivery rounds: nothing further may arrive
        assert hook.requests == 2 and len(smtp.messages) == 2 and smtp.tls_sessions == 2
        by_type = {a["type"]: a for a in hook.alerts}
        alert = by_type["triage.disposition"]
        assert alert["session_id"] == "alerts-emergency-0001" and alert["level"] == "emergency"
        assert alert["symptoms"] and alert["dashboard_url"].endswith("/alerts-emergency-0001")
        assert by_type["clinician.requested"]["session_id"] == "alerts-nurse-00001"
        no_message_text(hook, smtp)
        with sqlite3.connect(stack.tracker_db) as db:
            audited = db.execute(
                "SELECT detail FROM clinician_audit WHERE action = 'alert_delivery'"
            ).fetchall()
        outcomes = [json.loads(d)["status"] for (d,) in audited]
        assert outcomes == ["sent"] * 4  # two alerts, two receivers each
    finally:
        stop_stack(stack)


def kill_everything(stack: Stack) -> None:
    """SIGKILL to `bot run` and every process under it (gateway, actions, Rasa), at once."""
    parent = psutil.Process(stack.process.pid)
    family = [parent, *parent.children(recursive=True)]
    for process in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(family, timeout=30)
    stack.process.wait(30)


def test_receivers_down_and_the_stack_killed_before_delivery_still_get_it_once(
    tmp_path, model_path, receivers
):
    hook, smtp = receivers  # not listening yet: both receivers are down
    env = alert_env(hook, smtp)
    stack = start_stack(tmp_path, **env)
    try:
        r = stack.chat(EMERGENCY, "alerts-restart-0001")
        assert r.status_code == 200 and r.json()["triage"]["level"] == "emergency"
        time.sleep(2)  # the alert is found and tried at least once, and fails
    finally:
        kill_everything(stack)
    with sqlite3.connect(stack.tracker_db) as db:
        statuses = [s for (s,) in db.execute("SELECT status FROM care_team_deliveries")]
    assert statuses and "sent" not in statuses
    hook.start()
    smtp.start()
    again = start_stack(tmp_path, **env)
    try:
        wait_for(lambda: hook.alerts and smtp.messages, seconds=60)
        time.sleep(4)
        assert len(hook.alerts) == 1 and len(smtp.messages) == 1
        assert hook.alerts[0]["session_id"] == "alerts-restart-0001"
        no_message_text(hook, smtp)
        with sqlite3.connect(again.tracker_db) as db:
            rows = db.execute("SELECT channel, status FROM care_team_deliveries").fetchall()
        assert sorted(rows) == [("email", "sent"), ("webhook", "sent")]
    finally:
        stop_stack(again)
