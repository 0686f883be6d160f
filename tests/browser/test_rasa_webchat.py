"""Rasa Webchat (rasa-webchat 1.0.x from the npm registry, unchanged) on a hospital's page at
another origin, talking to the gateway's Socket.IO door in headless Chromium.

The host page is served from a second loopback port listed in CORS_ORIGINS; the gateway is a
real uvicorn (with the websocket transport) in front of the shared stack's Rasa, action server
and tracker store. A third port, not in the list, serves the same page and must not connect.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import HostSite, ThreadedServer, gateway_app
from tests.conftest import ROOT
from tests.integration.conftest import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration]

RED_FLAG = "my back hurts and my legs have gone numb and I can't pee"
TURN_TIMEOUT = 60_000
PASSWORD = "webchat-passphrase-1"
WEBCHAT = ROOT / "build" / "webchat" / "index.js"


def host_page(gateway_url: str) -> str:
    """The page a site already running Rasa Webchat has, with socketUrl set to the gateway."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A hospital page</title></head>
<body>
<h1>Breast cancer survivorship clinic</h1>
<div id="webchat"></div>
<script src="index.js"></script>
<script>
  window.WebChat.default({{
    selector: "#webchat",
    socketUrl: "{gateway_url}",
    socketPath: "/socket.io/",
    title: "Symptom checker",
    embedded: true,
    customData: {{language: "en"}},
    customMessageDelay: () => 300,
    params: {{storage: "session"}}
  }}, null);
</script>
</body></html>"""


@pytest.fixture(scope="module")
def webchat_js() -> Path:
    subprocess.run([str(ROOT / "scripts" / "ensure_webchat.sh")], check=True, timeout=300)
    return WEBCHAT


@pytest.fixture()
def sites(tmp_path: Path, webchat_js: Path) -> Iterator[tuple[HostSite, HostSite]]:
    listed, other = tmp_path / "listed", tmp_path / "other"
    for root in (listed, other):
        root.mkdir()
        shutil.copy(webchat_js, root / "index.js")
    allowed, refused = HostSite(listed), HostSite(other)
    yield allowed, refused
    allowed.close()
    refused.close()


@pytest.fixture()
def door(stack: Stack, sites) -> Iterator[ThreadedServer]:
    allowed, _ = sites
    app = gateway_app(
        state_dir=stack.state_dir,  # the stack's tracker store and clinician tables
        rasa_port=stack.ports["rasa"],
        action_port=stack.ports["actions"],
        cors_origins=[allowed.origin],
        rate_limit_per_session="off",
        rate_limit_per_client="off",
    )
    with ThreadedServer(app) as gateway:
        yield gateway


BOT = ".rw-response .rw-message-text"  # the typing indicator is a .rw-response too


def bot_texts(page: Page) -> list[str]:
    return page.locator(BOT).all_inner_texts()


def send(page: Page, text: str) -> list[str]:
    """Types a message the way a person does; the bot messages shown for it."""
    before = page.locator(BOT).count()
    box = page.locator(".rw-new-message")
    expect(box).to_be_enabled(timeout=TURN_TIMEOUT)
    box.fill(text)
    box.press("Enter")
    expect(page.locator(".rw-client").last).to_contain_text(text[:20], timeout=TURN_TIMEOUT)
    deadline = time.monotonic() + TURN_TIMEOUT / 1000
    while page.locator(BOT).count() <= before and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    # Webchat shows a turn's messages one after another, with its typing indicator between
    # them: wait until it is gone and no more arrive.
    seen = -1
    while time.monotonic() < deadline and (
        seen != page.locator(BOT).count() or page.locator(".rw-typing-indication").count()
    ):
        seen = page.locator(BOT).count()
        page.wait_for_timeout(1500)
    return bot_texts(page)[before:]


def session_id(page: Page) -> str:
    raw = page.evaluate("() => sessionStorage.getItem('chat_session')")
    match = re.search(r'"session_id":"([A-Za-z0-9_-]{8,64})"', raw or "")
    assert match, raw
    return match.group(1)


def test_rasa_webchat_converses_through_the_socketio_door(
    page: Page, stack: Stack, sites, door: ThreadedServer, artifacts
):
    allowed, refused = sites
    socket_answers: list[tuple[str, int]] = []  # (url, status) of /socket.io/ requests
    page.on(
        "response",
        lambda r: socket_answers.append((r.url, r.status)) if "/socket.io/" in r.url else None,
    )
    page.goto(allowed.page("index.html", host_page(door.url)))

    # 1. It converses: the bot's first turn carries the notice and the emergency number.
    first = " ".join(send(page, "hello"))
    assert "911" in first
    assert any(door.url in url and status == 200 for url, status in socket_answers)

    # 2. A red-flag message gets the emergency advice, and it is recorded as an emergency.
    after = " ".join(send(page, RED_FLAG))
    assert "911" in after and "emergency" in after.lower(), after
    sid = session_id(page)
    summary = page.locator(".rw-response a", has_text="Summary for my appointment").last
    expect(summary).to_have_attribute("href", re.compile(re.escape(door.url) + "/summary/"))
    page.screenshot(path=artifacts / "rasa-webchat-emergency.png")

    # 3. After a reload the conversation is still there, and goes on in the same session.
    messages_before = page.locator(".rw-message").all_inner_texts()
    page.reload()
    expect(page.locator(".rw-client").first).to_contain_text("hello", timeout=TURN_TIMEOUT)
    assert page.locator(".rw-message").all_inner_texts() == messages_before
    page.wait_for_timeout(1000)  # the socket's session_confirm for the same id
    assert session_id(page) == sid
    send(page, "thank you")
    assert session_id(page) == sid

    # 4. The conversation appears in the clinician dashboard, as an emergency.
    stack.add_clinician("webchat-nurse", PASSWORD)
    dashboard = page.context.new_page()
    dashboard.goto(f"{door.url}/clinician")
    dashboard.fill("input[name=username]", "webchat-nurse")
    dashboard.fill("input[name=password]", PASSWORD)
    dashboard.click("button[type=submit]")
    dashboard.wait_for_url(f"{door.url}/clinician")
    dashboard.goto(f"{door.url}/clinician?q={sid}")
    row = dashboard.locator("table.conversations tbody tr").filter(has_text=sid)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("emergency")
    dashboard.close()

    # 5. The same page from an origin not in CORS_ORIGINS cannot connect: the gateway refuses
    # the handshake (400, no CORS grant), so the widget gets no session and no message.
    attempts: list[str] = []
    answered: list[int] = []
    other = page.context.new_page()
    other.on("request", lambda r: attempts.append(r.url) if "/socket.io/" in r.url else None)
    other.on("response", lambda r: answered.append(r.status) if "/socket.io/" in r.url else None)
    other.goto(refused.page("index.html", host_page(door.url)))
    other.wait_for_timeout(4000)
    assert attempts, "the widget never tried to connect"
    assert all(status == 400 for status in answered), answered
    box = other.locator(".rw-new-message")
    if box.count() and box.is_enabled():
        box.fill("hello")
        box.press("Enter")
        other.wait_for_timeout(3000)
    assert other.locator(BOT).count() == 0
    stored = other.evaluate("() => sessionStorage.getItem('chat_session')") or ""
    assert not re.search(r'"session_id":"[^"]+"', stored), stored
    other.close()
