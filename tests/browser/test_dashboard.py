"""The clinician dashboard in headless Chromium: log in, filter to emergencies, open a
transcript, flag a message, export CSV. Saves the README's screenshot under docs/."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml

from clinician.accounts import create_account
from clinician.migrate import upgrade
from tests.clinician.factory import create_events_table, insert, realistic, scripted
from tests.conftest import ROOT
from tests.integration.conftest import free_port

pytestmark = pytest.mark.browser

DOCS = ROOT / "docs"
PASSWORD = "browser-passphrase-1"


def _seed(url: str) -> None:
    create_events_table(url)
    engine = sa.create_engine(url)
    upgrade(engine)
    create_account(engine, "nurse.kim", PASSWORD, "clinician")
    rng = random.Random(11)
    now = time.time()
    convs = [
        realistic(f"demo-{i:04d}", now - rng.uniform(0.1, 70) * 86400, rng) for i in range(400)
    ]
    script = yaml.safe_load((Path(__file__).parent / "spinal_red_flag.yml").read_text())
    newest = scripted("spinal-red-flag-0001", now - 600, script)
    insert(engine, [*convs, newest])
    engine.dispose()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("dashboard")
    url = f"sqlite:///{tmp / 'rasa.db'}"
    _seed(url)
    port = free_port()
    env = {
        **os.environ,
        "STATE_DIR": str(tmp),
        "TRACKER_STORE_URL": url,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
    }
    log = (tmp / "gateway.log").open("wb")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("uvicorn")),
            "--factory",
            "api.main:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws",
            "none",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("the gateway did not start")
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


def test_clinician_reviews_an_emergency(page, gateway, artifacts):
    page.goto(f"{gateway}/clinician")
    assert "/clinician/login" in page.url
    page.fill("input[name=username]", "nurse.kim")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{gateway}/clinician")
    assert page.locator("table.conversations tbody tr").count() == 50
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS"):
        # A test run leaves the checkout as it found it; the README's picture is refreshed
        # on purpose: UPDATE_DOCS_SCREENSHOTS=1 pytest tests/browser/test_dashboard.py
        page.screenshot(path=str(DOCS / "clinician-dashboard.png"), full_page=False)
    page.screenshot(path=str(artifacts / "clinician-dashboard.png"), full_page=True)

    # Filter to emergencies.
    page.check("input[name=level][value=emergency]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/clinician?level=emergency**")
    rows = page.locator("table.conversations tbody tr")
    assert rows.count() > 0
    levels = page.locator("table.conversations tbody .badge").all_inner_texts()
    assert levels and {lv.lower() for lv in levels} == {"emergency"}
    assert page.locator("tr.attention").count() == rows.count()  # emergencies stand out

    # Open the newest one's transcript.
    rows.first.locator("a").first.click()
    page.wait_for_url("**/clinician/conversations/spinal-red-flag-0001")
    assert page.locator(".turn.disposition").count() == 1
    assert "mscc_neuro_deficit" in page.inner_text(".turn.disposition")
    assert "report_back_neck_pain" in page.inner_text(".turn.user >> nth=1")
    page.screenshot(path=str(artifacts / "clinician-transcript.png"), full_page=True)

    # Flag "bit of both actually" (inform, 0.41) as misunderstood: it answered the question.
    message = page.locator(".turn.user", has_text="bit of both actually")
    message.locator("select[name=correct_intent]").select_option("affirm")
    message.locator("button[type=submit]").click()
    page.wait_for_load_state()
    flagged = page.locator(".turn.user.flagged", has_text="bit of both actually")
    assert "should be affirm" in flagged.inner_text()

    # Export the filtered list as CSV.
    page.go_back()
    page.go_back()
    page.goto(f"{gateway}/clinician?level=emergency")
    with page.expect_download() as download:
        page.click("#export-csv")
    path = download.value.path()
    text = Path(path).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("session_id,started_utc")
    assert "spinal-red-flag-0001" in text
    assert all(",emergency," in line for line in text.splitlines()[1:])
