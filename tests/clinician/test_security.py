"""Security of the clinician side: sessions, roles, CSRF, escaping, injection, throttling,
expiry, and an audit entry for every access."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa

from clinician import audit
from clinician.schema import sessions
from tests.clinician.conftest import PASSWORDS, login, user_event_id

API = "/api/v1/clinician"

PROTECTED_API = [
    ("get", f"{API}/conversations"),
    ("get", f"{API}/conversations/emergency-session-01"),
    ("get", f"{API}/conversations/emergency-session-01/export"),
    ("get", f"{API}/export?format=csv"),
    ("get", f"{API}/export?format=json"),
    ("get", f"{API}/audit"),
    ("get", f"{API}/session"),
    ("get", f"{API}/stats/weekly"),
    ("post", f"{API}/logout"),
    ("post", f"{API}/conversations/emergency-session-01/flags"),
    ("post", f"{API}/conversations/emergency-session-01/notes"),
]
PROTECTED_PAGES = [
    "/clinician",
    "/clinician?level=emergency",
    "/clinician/conversations/emergency-session-01",
    "/clinician/audit",
]


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize(("method", "path"), PROTECTED_API)
def test_api_without_a_session_is_401(client, conversations, method, path):
    r = getattr(client, method)(path, **({"json": {}} if method == "post" else {}))
    assert r.status_code == 401
    assert r.json() == {"detail": "login required"}


@pytest.mark.parametrize("path", PROTECTED_PAGES)
def test_pages_without_a_session_redirect_to_the_login(client, conversations, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/clinician/login?next=")


def test_a_clinician_cannot_reach_admin_pages(client):
    login(client, "cleo")
    assert client.get("/clinician/audit").status_code == 403
    assert client.get(f"{API}/audit").status_code == 403
    login(client, "ada")
    assert client.get("/clinician/audit").status_code == 200


def test_api_posts_need_the_csrf_header(client, engine, conversations):
    csrf = login(client)
    event_id = user_event_id(engine, "emergency-session-01", "hi")
    body = {"event_id": event_id, "correct_intent": "greet"}
    url = f"{API}/conversations/emergency-session-01/flags"
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post(f"{API}/logout").status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_forms_need_the_csrf_token(client, engine, conversations):
    login(client)
    page = client.get("/clinician/conversations/emergency-session-01").text
    token = csrf_from(page)
    event_id = user_event_id(engine, "emergency-session-01", "hi")
    url = "/clinician/conversations/emergency-session-01/flags"
    form = {"event_id": str(event_id), "correct_intent": "greet"}
    assert client.post(url, data=form, follow_redirects=False).status_code == 403
    assert client.post(url, data={**form, "csrf_token": "x" * 43}).status_code == 403
    notes = "/clinician/conversations/emergency-session-01/notes"
    assert client.post(notes, data={"body": "hello"}, follow_redirects=False).status_code == 403
    assert client.post("/clinician/logout", data={}, follow_redirects=False).status_code == 403
    ok = client.post(url, data={**form, "csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303


def test_the_login_form_needs_its_signed_token(client):
    r = client.post(
        "/clinician/login",
        data={"username": "cleo", "password": PASSWORDS["cleo"], "csrf_token": "guess"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert "clinician_session" not in r.headers.get("set-cookie", "")
    form = client.get("/clinician/login")
    ok = client.post(
        "/clinician/login",
        data={
            "username": "cleo",
            "password": PASSWORDS["cleo"],
            "csrf_token": csrf_from(form.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/clinician"  # no open redirect


def test_json_login_refuses_other_sites_and_forms(client):
    creds = {"username": "cleo", "password": PASSWORDS["cleo"]}
    r = client.post(f"{API}/login", json=creds, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post(f"{API}/login", content="username=cleo", headers={"Content-Type": "text/plain"})
    assert r.status_code in (415, 422)


def test_transcript_markup_renders_as_text(client, conversations):
    login(client)
    html = client.get("/clinician/conversations/markup-session-04").text
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    listing = client.get("/clinician?q=onerror").text
    assert "markup-session-04" in listing


def test_pages_send_no_inline_script_and_a_strict_csp(client, conversations):
    login(client)
    r = client.get("/clinician/conversations/markup-session-04")
    assert "<script" not in r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "no-store" in r.headers["cache-control"]


INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "%' UNION SELECT sender_id FROM events --",
    "emergency' --",
]


@pytest.mark.parametrize("attack", INJECTIONS)
def test_sql_injection_in_search_and_symptom_returns_normal_results(
    client, engine, conversations, attack
):
    login(client)
    for param in ("q", "symptom"):
        r = client.get(f"{API}/conversations", params={param: attack})
        assert r.status_code == 200
        assert r.json()["total"] == 0
    r = client.get(f"{API}/conversations", params={"level": attack})
    assert r.status_code == 422  # not a level: refused before any query
    page = client.get("/clinician", params={"q": attack, "symptom": attack})
    assert page.status_code == 200 and "No conversations match" in page.text
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(DISTINCT sender_id) FROM events")).scalar() == 6
    assert client.get(f"{API}/conversations").json()["total"] == 6


def test_login_throttling_per_username(client):
    for _ in range(5):
        r = client.post(f"{API}/login", json={"username": "cleo", "password": "wrong-wrong-1"})
        assert r.status_code == 401
    r = client.post(f"{API}/login", json={"username": "cleo", "password": PASSWORDS["cleo"]})
    assert r.status_code == 429  # even the right password, while throttled
    assert int(r.headers["retry-after"]) > 0
    ok = client.post(f"{API}/login", json={"username": "ada", "password": PASSWORDS["ada"]})
    assert ok.status_code == 200  # another account is not locked out


def test_login_throttling_per_client_address(client):
    for n in range(20):
        r = client.post(f"{API}/login", json={"username": f"nobody{n}", "password": "x" * 12})
        assert r.status_code == 401
    r = client.post(f"{API}/login", json={"username": "ada", "password": PASSWORDS["ada"]})
    assert r.status_code == 429


def test_logout_ends_the_session_server_side(client):
    csrf = login(client)
    cookie = client.cookies.get("clinician_session")
    assert client.post(f"{API}/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("clinician_session", cookie)  # a copied cookie no longer works
    assert client.get(f"{API}/conversations").status_code == 401


@pytest.mark.parametrize("column", ["last_seen_at", "created_at"])
def test_sessions_expire_when_idle_and_absolutely(client, engine, column):
    login(client)
    assert client.get(f"{API}/session").status_code == 200
    age = 13 * 3600  # past the 30-minute idle and the 12-hour absolute limits
    with engine.begin() as conn:
        conn.execute(sessions.update().values(**{column: time.time() - age}))
    assert client.get(f"{API}/session").status_code == 401


def test_cookie_is_secure_when_configured(settings, engine, accounts):
    from fastapi.testclient import TestClient

    from api.main import create_app

    secure = settings.copy(update={"clinician_cookie_secure": True})
    with TestClient(create_app(secure)) as c:
        r = c.post(f"{API}/login", json={"username": "ada", "password": PASSWORDS["ada"]})
        assert "secure" in r.headers["set-cookie"].lower()
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        r = c.post(
            f"{API}/login",
            json={"username": "ada", "password": PASSWORDS["ada"]},
            headers={"Origin": "https://testserver"},
        )
        assert "secure" in r.headers["set-cookie"].lower()


def test_every_access_in_a_session_is_audited(client, engine, conversations):
    client.post(f"{API}/login", json={"username": "cleo", "password": "not-her-password"})
    csrf = login(client, "cleo")
    client.get(f"{API}/conversations?level=emergency")
    client.get("/clinician")
    client.get(f"{API}/conversations/emergency-session-01")
    client.get("/clinician/conversations/routine-session-03")
    client.get(f"{API}/export?format=csv")
    client.get(f"{API}/conversations/emergency-session-01/export?format=json")
    event_id = user_event_id(engine, "emergency-session-01", "hi")
    client.post(
        f"{API}/conversations/emergency-session-01/flags",
        json={"event_id": event_id, "correct_intent": "greet"},
        headers={"X-CSRF-Token": csrf},
    )
    client.post(
        f"{API}/conversations/emergency-session-01/notes",
        json={"body": "followed up"},
        headers={"X-CSRF-Token": csrf},
    )
    client.post(f"{API}/logout", headers={"X-CSRF-Token": csrf})
    _, entries = audit.entries(engine, page_size=100)
    trail = [(e["actor"], e["action"], e["target"]) for e in reversed(entries)]
    assert trail == [
        ("cleo", "login_failure", None),
        ("cleo", "login_success", None),
        ("cleo", "view_list", None),
        ("cleo", "view_list", None),
        ("cleo", "view_transcript", "emergency-session-01"),
        ("cleo", "view_transcript", "routine-session-03"),
        ("cleo", "export", None),
        ("cleo", "export", "emergency-session-01"),
        ("cleo", "flag_message", "emergency-session-01"),
        ("cleo", "add_note", "emergency-session-01"),
        ("cleo", "logout", None),
    ]
    assert all(e["client"] for e in entries)
    # No message text in the audit log.
    assert "legs went numb" not in str(entries)


def test_the_audit_log_cannot_be_changed(engine):
    audit.record(engine, "login_failure", actor="someone")
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE clinician_audit SET actor = 'nobody'"))
    with pytest.raises(sa.exc.DBAPIError), engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM clinician_audit"))
    assert audit.entries(engine)[0] == 1


def test_passwords_are_stored_as_argon2id_hashes(engine, accounts):
    with engine.connect() as conn:
        hashes = [
            r[0] for r in conn.execute(sa.text("SELECT password_hash FROM clinician_accounts"))
        ]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert not any(p in h for h in hashes for p in PASSWORDS.values())
