"""The clinicians' JSON API: list, filters, transcript, review, export, audit."""

from __future__ import annotations

import csv
import io

import pytest

from clinician import audit
from tests.clinician.conftest import DAY, NOW, login, user_event_id

API = "/api/v1/clinician"


def ids(response) -> list[str]:
    return [i["session_id"] for i in response.json()["items"]]


def test_login_returns_session_info_and_sets_cookie(client):
    r = client.post(f"{API}/login", json={"username": "ada", "password": "ada-admin-passphrase-1"})
    assert r.status_code == 200
    assert r.json()["role"] == "admin" and r.json()["csrf_token"]
    cookie = r.headers["set-cookie"].lower()
    assert "clinician_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert client.get(f"{API}/session").json()["username"] == "ada"


def test_login_with_wrong_password_is_401(client):
    r = client.post(f"{API}/login", json={"username": "ada", "password": "wrong-password-xx"})
    assert r.status_code == 401
    assert client.get(f"{API}/conversations").status_code == 401


def test_list_is_newest_first_with_summary_fields(client, conversations):
    login(client)
    r = client.get(f"{API}/conversations")
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 6
    assert ids(r)[:3] == ["asks-for-nurse-02", "emergency-session-01", "routine-session-03"]
    items = {i["session_id"]: i for i in body["items"]}
    assert items["emergency-session-01"]["level"] == "emergency"
    assert items["emergency-session-01"]["symptoms"] == ["back pain", "numbness"]
    assert items["emergency-session-01"]["attention"] is True  # emergency
    assert items["asks-for-nurse-02"]["attention"] is True  # asked for a clinician
    assert items["routine-session-03"]["attention"] is False
    # Negated mentions are not symptoms; a conversation left before any disposition shows
    # what the person mentioned.
    assert items["routine-session-03"]["symptoms"] == ["cough"]
    assert items["abandoned-session-05"]["level"] is None
    assert items["abandoned-session-05"]["symptoms"] == ["seizure"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("level=emergency", {"emergency-session-01"}),
        ("level=soon&level=urgent", {"asks-for-nurse-02", "markup-session-04", "old-session-06"}),
        ("level=soon,urgent", {"asks-for-nurse-02", "markup-session-04", "old-session-06"}),
        ("level=none", {"abandoned-session-05"}),
        ("symptom=numbness", {"emergency-session-01"}),
        ("symptom=Cough", {"routine-session-03"}),
        ("flagged=true", {"emergency-session-01", "asks-for-nurse-02"}),
        ("q=NURSE", {"asks-for-nurse-02"}),
        ("q=onerror", {"markup-session-04"}),
        ("q=old-session", {"old-session-06"}),
        ("q=100%25", set()),
        ("level=emergency&flagged=false", set()),
    ],
)
def test_list_filters(client, conversations, query, expected):
    login(client)
    r = client.get(f"{API}/conversations?{query}")
    assert r.status_code == 200, r.text
    assert set(ids(r)) == expected


def test_list_date_range_filters_on_the_start_day(client, conversations):
    from datetime import datetime, timezone

    login(client)
    day = datetime.fromtimestamp(NOW - 2 * DAY, tz=timezone.utc).date().isoformat()
    r = client.get(f"{API}/conversations?since={day}&until={day}")
    assert "emergency-session-01" in ids(r)
    assert "old-session-06" not in ids(r)
    assert client.get(f"{API}/conversations?since=yesterday-ish").status_code == 422


def test_list_pages(client, engine):
    from tests.clinician.conftest import many

    many(engine, 120)
    login(client)
    first = client.get(f"{API}/conversations?page_size=50").json()
    third = client.get(f"{API}/conversations?page_size=50&page=3").json()
    assert first["total"] == 120 and first["pages"] == 3
    assert len(first["items"]) == 50 and len(third["items"]) == 20
    assert not {i["session_id"] for i in first["items"]} & {i["session_id"] for i in third["items"]}


def test_list_sees_new_events_as_they_arrive(client, engine, conversations):
    from tests.clinician.factory import Conversation, insert

    login(client)
    assert client.get(f"{API}/conversations?level=emergency").json()["total"] == 1
    later = Conversation("routine-session-03", NOW)  # the same person comes back
    later.user("now i can't feel my legs", "report_neuro_change", 0.9)
    later.disposition("emergency", ["numbness"])
    insert(engine, [later])
    client.app.state.clinician.refresh()  # the writer's side: the gateway does it after a turn
    r = client.get(f"{API}/conversations?level=emergency")
    assert set(ids(r)) == {"emergency-session-01", "routine-session-03"}
    row = next(i for i in r.json()["items"] if i["session_id"] == "routine-session-03")
    assert row["symptoms"] == ["cough", "numbness"]


def test_transcript_has_intents_questions_and_the_disposition_rules(client, conversations):
    login(client)
    r = client.get(f"{API}/conversations/emergency-session-01")
    assert r.status_code == 200
    t = r.json()
    users = [x for x in t["turns"] if x["kind"] == "user"]
    assert users[1]["text"] == "my back hurts and my legs went numb"
    assert users[1]["intent"] == "report_back_neck_pain"
    assert users[1]["confidence"] == pytest.approx(0.91)
    assert users[1]["timestamp"] > 0
    assert t["questions"] == ["Do you have any new problems with your bladder or bowels?"]
    (disposition,) = t["dispositions"]
    assert disposition["level"] == "emergency"
    assert disposition["reasons"][0]["rule_id"] == "mscc-neuro"
    assert disposition["reasons"][0]["source"] == "NICE NG234"
    bots = [x for x in t["turns"] if x["kind"] == "bot"]
    assert ["Yes", "No"] in [b["buttons"] for b in bots]
    assert client.get(f"{API}/conversations/no-such-session").status_code == 404


def test_flag_and_note_are_saved_and_shown(client, engine, conversations):
    csrf = login(client)
    event_id = user_event_id(
        engine, "asks-for-nurse-02", "so tired all the time these days, even after a rest"
    )
    r = client.post(
        f"{API}/conversations/asks-for-nurse-02/flags",
        json={"event_id": event_id, "correct_intent": "report_mood_change"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201, r.text
    assert r.json()["predicted_intent"] == "report_fatigue"
    r = client.post(
        f"{API}/conversations/asks-for-nurse-02/notes",
        json={"body": "Called her back; booked a review."},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201
    t = client.get(f"{API}/conversations/asks-for-nurse-02").json()
    flagged = next(x for x in t["turns"] if x.get("event_id") == event_id)
    assert flagged["flag"]["correct_intent"] == "report_mood_change"
    assert t["notes"][0]["body"] == "Called her back; booked a review."


@pytest.mark.parametrize("intent", ["report_everything", "", "greet' OR 1=1 --"])
def test_flag_rejects_an_intent_that_is_not_one_of_the_27(client, engine, conversations, intent):
    csrf = login(client)
    event_id = user_event_id(
        engine, "asks-for-nurse-02", "so tired all the time these days, even after a rest"
    )
    r = client.post(
        f"{API}/conversations/asks-for-nurse-02/flags",
        json={"event_id": event_id, "correct_intent": intent},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422


def test_flag_must_name_a_user_message_of_that_conversation(client, engine, conversations):
    csrf = login(client)
    other = user_event_id(
        engine, "routine-session-03", "bit of a cough after my cold, getting better"
    )
    r = client.post(
        f"{API}/conversations/asks-for-nurse-02/flags",
        json={"event_id": other, "correct_intent": "report_breathing"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 404


@pytest.mark.parametrize("event_id", [0, -28848028457672290304, 2**63])
def test_flag_with_an_event_id_no_message_can_have_is_a_422(client, conversations, event_id):
    csrf = login(client)
    r = client.post(
        f"{API}/conversations/asks-for-nurse-02/flags",
        json={"event_id": event_id, "correct_intent": "report_breathing"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 422


def test_export_csv_and_json_follow_the_filters(client, conversations):
    login(client)
    r = client.get(f"{API}/export?format=csv&level=emergency&level=urgent")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["session_id"] for row in rows} == {"emergency-session-01", "markup-session-04"}
    assert next(r for r in rows if r["level"] == "emergency")["symptoms"] == "back pain; numbness"
    j = client.get(f"{API}/export?format=json&flagged=true")
    assert {i["session_id"] for i in j.json()} == {"emergency-session-01", "asks-for-nurse-02"}
    assert client.get(f"{API}/export?format=xml").status_code == 422


def test_single_transcript_exports(client, conversations):
    login(client)
    r = client.get(f"{API}/conversations/markup-session-04/export?format=csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0][:3] == ["event_id", "time_utc", "kind"]
    assert any("<script>" in row[3] for row in rows[1:])
    j = client.get(f"{API}/conversations/markup-session-04/export?format=json").json()
    assert j["session_id"] == "markup-session-04"


def test_csv_export_neutralises_spreadsheet_formulas(client, engine):
    from tests.clinician.factory import Conversation, insert

    c = Conversation("formula-session-07", NOW)
    c.user('=HYPERLINK("http://evil","click")', "out_of_scope", 0.4)
    insert(engine, [c])
    login(client)
    r = client.get(f"{API}/conversations/formula-session-07/export?format=csv")
    assert "'=HYPERLINK" in r.text


def test_weekly_stats_count_levels(client, conversations):
    login(client)
    weeks = client.get(f"{API}/stats/weekly").json()["weeks"]
    totals: dict[str, int] = {}
    for w in weeks:
        for level, n in w["counts"].items():
            totals[level] = totals.get(level, 0) + n
    assert totals["emergency"] == 1 and totals["urgent"] == 1 and totals["none"] == 1


def test_audit_is_for_admins_and_lists_newest_first(client, conversations, engine):
    login(client, "cleo")
    client.get(f"{API}/conversations/emergency-session-01")
    assert client.get(f"{API}/audit").status_code == 403
    client.cookies.clear()
    login(client, "ada")
    r = client.get(f"{API}/audit")
    assert r.status_code == 200
    actions = [e["action"] for e in r.json()["entries"]]
    assert actions[:2] == ["view_audit", "login_success"]  # the view itself is recorded first
    assert "view_transcript" in actions
    total, _ = audit.entries(engine)
    assert total == r.json()["total"]


def test_openapi_documents_the_clinician_api(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/clinician/login",
        "/api/v1/clinician/conversations",
        "/api/v1/clinician/conversations/{session_id}",
        "/api/v1/clinician/export",
        "/api/v1/clinician/audit",
    ):
        assert path in paths, path
    params = {p["name"] for p in paths["/api/v1/clinician/conversations"]["get"]["parameters"]}
    assert {"level", "symptom", "since", "until", "flagged", "q", "page"} <= params
