"""The care team's routes in-process on both databases: the FHIR R4 record (validated and
round-tripped with fhir.resources), the NDJSON bulk export, the alerts list and resend, and the
person's summary page behind its token. Every view and export is in the audit log."""

from __future__ import annotations

import base64
import json

import pytest
from fhir.resources.bundle import Bundle

from bot.settings import Settings
from clinician import audit
from clinician.care_team import outbox, summary_page
from tests.clinician.conftest import DAY, NOW, login
from tests.clinician.factory import Conversation, insert
from tests.integration.conftest import free_port

API = "/api/v1/clinician"
QUESTION = "Do you have any new problems with your bladder or bowels?"


def audit_actions(engine, action: str) -> list[dict]:
    _, entries = audit.entries(engine, page=1, page_size=500, action=action)
    return [
        {**e, "detail": json.loads(e["detail"]) if isinstance(e["detail"], str) else e["detail"]}
        for e in entries
    ]


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind]


# ---------------------------------------------------------------- FHIR
def test_fhir_bundle_validates_round_trips_and_answers_match_the_transcript(
    client, engine, conversations
):
    login(client)
    r = client.get(f"{API}/conversations/emergency-session-01/fhir")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+json")
    parsed = Bundle.parse_raw(r.text)  # FHIR R4 (4.0.1) models: raises when invalid
    assert json.loads(Bundle.parse_raw(parsed.json()).json()) == json.loads(parsed.json())
    bundle = r.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    (response,) = resources(bundle, "QuestionnaireResponse")
    (risk,) = resources(bundle, "RiskAssessment")
    transcript = client.get(f"{API}/conversations/emergency-session-01").json()
    users = [t["text"] for t in transcript["turns"] if t["kind"] == "user"]
    items = {i["text"]: i for i in response["item"]}
    assert items[QUESTION]["answer"] == [{"valueString": "yes"}]
    assert users[users.index("my back hurts and my legs went numb") + 1] == "yes"
    assert items["What the person reported"]["answer"] == [
        {"valueString": "hi"},
        {"valueString": "my back hurts and my legs went numb"},
    ]
    outcome = risk["prediction"][0]["outcome"]
    assert outcome["coding"][0]["code"] == "emergency"
    rules = [b for b in risk["basis"] if "identifier" in b]
    assert rules[0]["identifier"]["value"] == "mscc-neuro"
    assert "NICE NG234" in rules[0]["display"]
    assert {"reference": f"urn:uuid:{response['id']}", "display": "Answers given"} in risk["basis"]
    assert risk["subject"]["identifier"]["value"] == "emergency-session-01"
    exports = audit_actions(engine, "export")
    assert any(
        e["target"] == "emergency-session-01" and e["detail"]["format"] == "fhir" for e in exports
    )


def test_fhir_needs_a_login_and_a_known_conversation(client, conversations):
    assert client.get(f"{API}/conversations/emergency-session-01/fhir").status_code == 401
    login(client)
    assert client.get(f"{API}/conversations/no-such-session/fhir").status_code == 404


def test_fhir_of_a_conversation_without_a_disposition_is_an_empty_valid_bundle(
    client, conversations
):
    login(client)
    r = client.get(f"{API}/conversations/abandoned-session-05/fhir")
    assert r.status_code == 200
    Bundle.parse_raw(r.text)
    assert "entry" not in r.json()


def test_bulk_export_as_ndjson_is_one_valid_bundle_per_conversation(client, engine, conversations):
    login(client)
    r = client.get(f"{API}/export?format=ndjson")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/fhir+ndjson")
    lines = [line for line in r.text.split("\n") if line]
    total = client.get(f"{API}/conversations").json()["total"]
    assert len(lines) == total
    sessions = set()
    for line in lines:
        sessions.add(Bundle.parse_raw(line).identifier.value)
    assert "emergency-session-01" in sessions
    assert any(e["detail"]["format"] == "ndjson" for e in audit_actions(engine, "export"))


# ---------------------------------------------------------------- alerts in the dashboard
def _one_alert(engine, tmp_path) -> str:
    closed = Settings(
        state_dir=tmp_path,
        alert_webhook_url=f"http://127.0.0.1:{free_port()}/nobody",
        alert_webhook_secret="s",
    )
    with engine.begin() as conn:
        alert_id = outbox.enqueue(
            conn,
            closed,
            "k1",
            outbox.DISPOSITION,
            "emergency-session-01",
            "emergency",
            ["back pain"],
            NOW,
        )
    with engine.begin() as conn:
        conn.execute(outbox.deliveries.update().values(status=outbox.FAILED, attempts=12))
    return alert_id


def test_alerts_list_shows_failed_and_resend_reschedules_it_audited(
    client, engine, conversations, tmp_path
):
    alert_id = _one_alert(engine, tmp_path)
    assert client.get(f"{API}/alerts").status_code == 401
    csrf = login(client)
    listed = client.get(f"{API}/alerts").json()
    assert listed["items"][0]["id"] == alert_id and listed["items"][0]["status"] == "failed"
    assert client.post(f"{API}/alerts/{alert_id}/resend").status_code == 403  # no CSRF header
    r = client.post(f"{API}/alerts/{alert_id}/resend", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["rescheduled"] == ["webhook"]
    assert client.get(f"{API}/alerts").json()["items"][0]["status"] == "pending"
    missing = client.post(f"{API}/alerts/nope/resend", headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 404
    assert audit_actions(engine, "alert_resend")[0]["target"] == alert_id
    assert audit_actions(engine, "view_alerts")


def test_alerts_page_lists_statuses_with_a_resend_button(client, engine, conversations, tmp_path):
    _one_alert(engine, tmp_path)
    assert client.get("/clinician/alerts", follow_redirects=False).status_code == 303
    login(client)
    page = client.get("/clinician/alerts")
    assert page.status_code == 200
    assert "failed" in page.text and "Resend" in page.text
    assert "my back hurts" not in page.text  # no message text in the alerts list


# ---------------------------------------------------------------- the person's summary
def test_summary_token_has_at_least_128_bits_and_is_never_repeated(engine, conversations):
    tokens = {summary_page.issue_token(engine, "emergency-session-01") for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128


def test_summary_page_shows_advice_number_and_notice_privately(
    client, engine, conversations, settings
):
    token = summary_page.issue_token(engine, "emergency-session-01")
    r = client.get(f"/summary/{token}")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "noindex" in r.headers["x-robots-tag"]
    text = r.text
    assert "Summary for my appointment" in text
    assert "Please call 911 now" in text  # who and how soon, from advice.yml
    assert "In an emergency call 911 now." in text
    assert "not a doctor" in text and "cannot diagnose" in text
    assert QUESTION in text and "my back hurts and my legs went numb" in text


@pytest.mark.parametrize("path", ["/summary", "/summary/", "/summary/" + "A" * 43])
def test_summary_without_its_token_is_404(client, conversations, path):
    assert client.get(path).status_code == 404


def test_summary_after_retention_is_404(client, engine, conversations, settings):
    token = summary_page.issue_token(
        engine, "emergency-session-01", now=NOW - (settings.retention_days + 1) * DAY
    )
    assert client.get(f"/summary/{token}").status_code == 404
    gone = Conversation("deleted-later-07", NOW)
    gone.user("my head hurts every morning", "report_headache").disposition("urgent", ["headache"])
    insert(engine, [gone])
    token = summary_page.issue_token(engine, "deleted-later-07")
    assert client.get(f"/summary/{token}").status_code == 200
    from clinician import retention

    retention.apply(engine, days=1, now=NOW + 3 * DAY)
    assert client.get(f"/summary/{token}").status_code == 404
    assert summary_page.resolve(engine, token, settings.retention_days) is None  # token gone


def test_robots_txt_keeps_summaries_out_of_search_engines(client):
    r = client.get("/robots.txt")
    assert "Disallow: /summary/" in r.text
