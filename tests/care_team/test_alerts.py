"""Alerts to the care team: the outbox, the signed webhook and the STARTTLS e-mail, against
real receivers on loopback (the docs' webhook receiver and aiosmtpd)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
import sqlalchemy as sa

from bot.settings import Settings
from clinician import audit
from clinician.care_team import outbox, signing
from clinician.care_team.delivery import Dispatcher, start
from clinician.care_team.schema import alerts, deliveries
from tests.care_team.conftest import alert_settings
from tests.clinician.factory import Conversation, insert
from tests.integration.conftest import free_port

SECRET_WORDS = "my legs went numb while walking the dog"
BODY_FIELDS = {"id", "type", "session_id", "level", "symptoms", "created_at", "dashboard_url"}


def emergency(sender: str = "alert-emergency-01") -> Conversation:
    c = Conversation(sender, time.time() - 60)
    c.user(SECRET_WORDS, "report_back_neck_pain")
    c.disposition("emergency", ["back pain", "numbness"])
    return c


def deliver_until(dispatcher: Dispatcher, done, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        dispatcher.tick()
        if done():
            return
        time.sleep(0.05)
    raise AssertionError("not delivered in time")


def test_emergency_disposition_sends_one_signed_webhook_and_one_starttls_email(
    engine, webhook, smtp, tmp_path
):
    settings = alert_settings(tmp_path, webhook, smtp)
    insert(engine, [emergency()])
    dispatcher = Dispatcher(settings, engine)
    deliver_until(dispatcher, lambda: webhook.alerts and smtp.messages)
    for _ in range(5):  # further ticks send nothing more
        dispatcher.tick()
    assert webhook.requests == 1 and len(webhook.alerts) == 1
    assert len(smtp.messages) == 1 and smtp.tls_sessions == 1
    body = webhook.alerts[0]
    assert set(body) == BODY_FIELDS
    assert body["type"] == "triage.disposition" and body["level"] == "emergency"
    assert body["symptoms"] == ["back pain", "numbness"]
    assert body["session_id"] == "alert-emergency-01"
    assert body["dashboard_url"] == (
        "https://care.example.org/clinician/conversations/alert-emergency-01"
    )
    mail = smtp.messages[0]
    text = mail.get_payload()
    assert "Emergency" in mail["Subject"]
    assert "back pain, numbness" in text and body["dashboard_url"] in text
    assert mail["To"] == "oncology-nurses@care.example.org"
    assert mail["Message-ID"] == f"<{body['id']}@symptom-checker.alerts>"
    for sent in (json.dumps(body), mail.as_string()):
        assert SECRET_WORDS not in sent and "numb while" not in sent


def test_dispositions_below_alert_levels_send_nothing(engine, webhook, tmp_path):
    c = Conversation("alert-soon-0001", time.time() - 60)
    c.user("my hip aches at night", "report_bone_pain")
    c.disposition("soon", ["bone pain"])
    insert(engine, [c])
    Dispatcher(alert_settings(tmp_path, webhook, None), engine).tick()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar() == 0
    assert webhook.requests == 0


def test_alert_levels_setting_widens_the_alerts(engine, webhook, tmp_path):
    c = Conversation("alert-soon-0002", time.time() - 60)
    c.disposition("soon", ["bone pain"])
    insert(engine, [c])
    settings = alert_settings(tmp_path, webhook, None, alert_levels=["emergency", "soon"])
    deliver_until(Dispatcher(settings, engine), lambda: webhook.alerts)
    assert webhook.alerts[0]["level"] == "soon"


def test_clinician_request_alerts_once_per_conversation_session(engine, webhook, tmp_path):
    c = Conversation("alert-nurse-0001", time.time() - 60)
    c.user("can I talk to a nurse", "request_clinician")
    c.action("action_request_clinician").slot("clinician_attention", True)
    c.user("please, a real person", "request_clinician")
    c.action("action_request_clinician").slot("clinician_attention", True)
    insert(engine, [c])
    dispatcher = Dispatcher(alert_settings(tmp_path, webhook, None), engine)
    deliver_until(dispatcher, lambda: webhook.alerts)
    dispatcher.tick()
    assert [a["type"] for a in webhook.alerts] == ["clinician.requested"]
    assert webhook.alerts[0]["level"] is None and webhook.alerts[0]["symptoms"] == []


def test_an_emergency_is_one_disposition_alert_not_also_a_clinician_request(
    engine, webhook, tmp_path
):
    insert(engine, [emergency("alert-emergency-02")])
    dispatcher = Dispatcher(alert_settings(tmp_path, webhook, None), engine)
    deliver_until(dispatcher, lambda: webhook.alerts)
    assert [a["type"] for a in webhook.alerts] == ["triage.disposition"]


def test_scanning_again_and_two_dispatchers_make_one_alert(engine, webhook, tmp_path):
    settings = alert_settings(tmp_path, webhook, None)
    insert(engine, [emergency("alert-emergency-03")])
    first, second = Dispatcher(settings, engine), Dispatcher(settings, engine)
    first.scan()
    with engine.begin() as conn:  # as after a crash before the cursor moved on
        conn.execute(sa.text("UPDATE care_team_scan_state SET last_event_id = 0"))
    second.scan()
    first.deliver_due()
    second.deliver_due()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alerts)).scalar() == 1
    assert webhook.requests == 1


def test_receiver_down_then_up_gets_the_alert_once(engine, smtp, tmp_path):
    from tests.care_team.receivers import WebhookReceiver

    port = free_port()
    hook = WebhookReceiver("down-then-up-secret", port)  # not listening yet
    settings = alert_settings(tmp_path, hook, None)
    insert(engine, [emergency("alert-emergency-04")])
    dispatcher = Dispatcher(settings, engine)
    for _ in range(3):
        dispatcher.tick()
        time.sleep(0.06)
    _, items = outbox.list_alerts(engine)
    assert items[0]["status"] == "retrying" and items[0]["deliveries"][0]["attempts"] >= 2
    hook.start()
    try:
        deliver_until(dispatcher, lambda: hook.alerts)
        for _ in range(3):
            dispatcher.tick()
        assert hook.requests == 1 and len(hook.alerts) == 1
        _, items = outbox.list_alerts(engine)
        assert items[0]["status"] == "sent"
    finally:
        hook.stop()
    _, entries = audit.entries(engine, page=1, page_size=50, action="alert_delivery")
    outcomes = [
        json.loads(e["detail"])["status"] if isinstance(e["detail"], str) else e["detail"]["status"]
        for e in entries
    ]
    assert outcomes.count("sent") == 1 and outcomes.count("retrying") >= 2


def test_backoff_doubles_from_the_base_and_is_capped():
    settings = Settings(alert_retry_base_seconds=30, alert_retry_max_seconds=600)
    delays = [outbox.backoff_seconds(settings, n) for n in range(1, 8)]
    for delay, plain in zip(delays, [30, 60, 120, 240, 480, 600, 600], strict=False):
        assert plain <= delay <= plain * 1.1


def test_failed_after_max_attempts_and_a_manual_resend_delivers(engine, tmp_path):
    from tests.care_team.receivers import WebhookReceiver

    hook = WebhookReceiver("resend-secret", free_port())
    settings = alert_settings(tmp_path, hook, None, alert_max_attempts=2)
    insert(engine, [emergency("alert-emergency-05")])
    dispatcher = Dispatcher(settings, engine)
    for _ in range(6):
        dispatcher.tick()
        time.sleep(0.25)
    _, items = outbox.list_alerts(engine)
    assert items[0]["status"] == "failed"
    hook.start()
    try:
        dispatcher.tick()
        assert hook.requests == 0  # failed stays failed until someone resends
        assert outbox.resend(engine, items[0]["id"]) == ["webhook"]
        deliver_until(dispatcher, lambda: hook.alerts)
        assert outbox.resend(engine, items[0]["id"]) == []  # sent: nothing to resend
    finally:
        hook.stop()


def test_email_is_not_sent_without_starttls(engine, tmp_path, tls_files):
    from aiosmtpd.controller import Controller

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            raise AssertionError("mail accepted without TLS")

    plain = Controller(Accept(), hostname="127.0.0.1", port=free_port())
    plain.start()
    try:
        settings = Settings(
            state_dir=tmp_path,
            alert_smtp_url=f"smtp://127.0.0.1:{plain.port}",
            alert_email_to=["x@example.org"],
            alert_retry_base_seconds=0.05,
        )
        insert(engine, [emergency("alert-emergency-06")])
        Dispatcher(settings, engine).tick()
    finally:
        plain.stop()
    with engine.connect() as conn:
        row = conn.execute(sa.select(deliveries)).one()
    assert row.status == "retrying" and "STARTTLS" in row.last_error


def test_alerts_are_off_until_a_receiver_is_configured(engine, tmp_path):
    settings = Settings(state_dir=tmp_path)
    assert not settings.alerts_configured
    assert start(settings, engine) is None


def test_a_disposition_older_than_the_max_age_sends_nothing(engine, webhook, tmp_path):
    c = Conversation("alert-emergency-07", time.time() - 3 * 86400)
    c.disposition("emergency", ["seizure"])
    insert(engine, [c])
    Dispatcher(alert_settings(tmp_path, webhook, None), engine).tick()
    assert webhook.requests == 0


@pytest.mark.parametrize(
    "header",
    [
        None,
        "t={now},v1=" + "0" * 64,  # forged: a made-up HMAC
        "t={old},v1={sig_old}",  # a real signature, ten minutes old (a replay)
        "t={now},v1={sig_other}",  # signed with another secret
    ],
    ids=["unsigned", "forged", "old", "wrong-secret"],
)
def test_docs_receiver_refuses_forged_or_old_signatures(webhook, header):
    body = json.dumps({"id": "a1", "type": "triage.disposition"}).encode()
    now, old = int(time.time()), int(time.time()) - 600
    headers = {"Idempotency-Key": "a1", "Content-Type": "application/json"}
    if header:
        headers[signing.SIGNATURE_HEADER] = header.format(
            now=now,
            old=old,
            sig_old=signing.compute(webhook.secret, old, body),
            sig_other=signing.compute("another-secret", now, body),
        )
    response = httpx.post(webhook.url, content=body, headers=headers, timeout=5)
    assert response.status_code == 401
    assert webhook.alerts == []


def test_docs_receiver_accepts_a_fresh_signature_once(webhook):
    body = json.dumps({"id": "a2", "type": "triage.disposition"}).encode()
    headers = {
        "Idempotency-Key": "a2",
        signing.SIGNATURE_HEADER: signing.sign(webhook.secret, body),
    }
    first = httpx.post(webhook.url, content=body, headers=headers, timeout=5)
    again = httpx.post(webhook.url, content=body, headers=headers, timeout=5)
    assert first.status_code == again.status_code == 200
    assert len(webhook.alerts) == 1


def test_signature_verify_round_trips_and_refuses_a_changed_body():
    body = b'{"id":"x"}'
    header = signing.sign("s3cret", body)
    assert signing.verify("s3cret", header, body) == int(header.split(",")[0][2:])
    with pytest.raises(signing.SignatureError):
        signing.verify("s3cret", header, body + b" ")
    with pytest.raises(signing.SignatureError):
        signing.verify("s3cret", header, body, now=time.time() + 3600)


def _bot_alerts_test(tmp_path, **env: str):
    import os
    import subprocess
    import sys
    from pathlib import Path

    bot = str(Path(sys.executable).with_name("bot"))
    return subprocess.run(
        [bot, "alerts", "test"],
        env={**os.environ, "STATE_DIR": str(tmp_path / "state"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_bot_alerts_test_sends_a_marked_test_alert_to_each_receiver(tmp_path, webhook, smtp):
    done = _bot_alerts_test(
        tmp_path,
        ALERT_WEBHOOK_URL=webhook.url,
        ALERT_WEBHOOK_SECRET=webhook.secret,
        ALERT_SMTP_URL=smtp.url,
        ALERT_SMTP_CA_FILE=str(smtp.cert),
        ALERT_EMAIL_TO="nurses@care.example.org",
    )
    assert done.returncode == 0, done.stderr
    assert "webhook: sent" in done.stdout and "email: sent" in done.stdout
    assert webhook.alerts[0]["test"] is True
    assert "Test alert" in smtp.messages[0]["Subject"]


def test_bot_alerts_test_says_alerts_are_off_when_nothing_is_configured(tmp_path):
    done = _bot_alerts_test(tmp_path)
    assert done.returncode == 2 and "Alerts are off" in done.stderr


def test_a_webhook_without_its_secret_is_never_sent_unsigned(engine, webhook, smtp, tmp_path):
    settings = alert_settings(tmp_path, webhook, smtp, alert_webhook_secret=None)
    insert(engine, [emergency("alert-emergency-08")])
    dispatcher = Dispatcher(settings, engine)
    deliver_until(dispatcher, lambda: smtp.messages)
    assert webhook.requests == 0
    with engine.connect() as conn:
        assert [r.channel for r in conn.execute(sa.select(deliveries))] == ["email"]
