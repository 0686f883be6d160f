"""The dashboard pages as a browser gets them (HTML), without a browser."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests.clinician.conftest import PASSWORDS


def page_login(client, username="cleo"):
    form = client.get("/clinician/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/clinician/login",
        data={
            "username": username,
            "password": PASSWORDS[username],
            "csrf_token": token,
            "next": "/clinician?level=emergency",
        },
        follow_redirects=False,
    )


def test_login_page_then_dashboard(client, conversations):
    r = page_login(client)
    assert r.status_code == 303 and r.headers["location"] == "/clinician?level=emergency"
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert "emergency-session-01" in page.text and "routine-session-03" not in page.text
    assert 'class="attention"' in page.text  # marked conversations stand out
    assert "<svg" in page.text and "bar lv-emergency" in page.text  # the weekly chart
    assert "/api/v1/clinician/export?format=csv&amp;level=emergency" in page.text


def test_wrong_password_on_the_page_is_401_with_a_message(client):
    form = client.get("/clinician/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = client.post(
        "/clinician/login",
        data={"username": "cleo", "password": "nope-nope-nope", "csrf_token": token},
    )
    assert r.status_code == 401 and "Wrong username or password" in r.text


def test_bad_filter_on_the_page_shows_a_message(client, conversations):
    page_login(client)
    r = client.get("/clinician?level=catastrophic")
    assert r.status_code == 400 and "Filter not applied" in r.text


def test_transcript_page_shows_intents_rules_and_flag_forms(client, conversations):
    page_login(client)
    r = client.get("/clinician/conversations/emergency-session-01")
    assert r.status_code == 200
    assert "report_back_neck_pain" in r.text and "(0.91)" in r.text
    assert "mscc-neuro" in r.text and "NICE NG234" in r.text
    assert "Questions the bot asked" in r.text
    assert r.text.count('class="flag-form"') == 3  # one per user message
    assert "marked this conversation for a clinician" in r.text
    assert "headache (negated)" in client.get("/clinician/conversations/routine-session-03").text


def test_flag_and_note_through_the_forms(client, conversations):
    page_login(client)
    page = client.get("/clinician/conversations/asks-for-nurse-02").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    event_id = re.search(r'name="event_id" value="(\d+)"', page).group(1)
    r = client.post(
        "/clinician/conversations/asks-for-nurse-02/flags",
        data={"csrf_token": token, "event_id": event_id, "correct_intent": "report_mood_change"},
    )
    assert r.status_code == 200 and "should be <code>report_mood_change</code>" in r.text
    r = client.post(
        "/clinician/conversations/asks-for-nurse-02/notes",
        data={"csrf_token": token, "body": "<i>call</i> back"},
    )
    assert "&lt;i&gt;call&lt;/i&gt; back" in r.text


def test_logout_form(client):
    page_login(client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/clinician").text).group(1)
    r = client.post("/clinician/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/clinician", follow_redirects=False).status_code == 303


def test_dashboard_css_is_served_without_a_session(client):
    r = client.get("/clinician/static/clinician.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert client.get("/clinician/static/../../main.py").status_code == 404


def test_pages_without_a_session_go_to_the_login_page(client, conversations):
    page = "/clinician/conversations/emergency-session-01"
    r = client.get(page + "?x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/clinician/login?" + urlencode({"next": page + "?x=1"})
    r = client.post(page + "/notes", data={"body": "hello"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/clinician/login?" + urlencode({"next": page + "/notes"})
    # Posts that cannot be repeated after logging in: the login page itself.
    for url in ("/clinician/logout", "/clinician/alerts/some-alert/resend"):
        r = client.post(url, data={}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/clinician/login")
