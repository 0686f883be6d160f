"""The person's summary for the appointment, opened from the widget in real Chromium against
the real stack, printed to PDF by Chromium and read back with pdftotext (poppler-utils)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_widget import BONE_PAIN, answer_until_disposition, open_widget, say
from tests.integration.conftest import Stack

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def pdf_text(pdf: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, read by Debian's poppler-utils."""
    for tool in ("pdftotext", "pdfinfo"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: scripts/ensure_poppler.sh installs poppler-utils")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return pages, " ".join(text.split())


def test_summary_opened_from_the_widget_prints_on_one_page_with_advice_number_and_notice(
    page: Page, stack: Stack, artifacts, tmp_path
):
    open_widget(page, f"{stack.gateway_url}/")
    say(page, BONE_PAIN)
    answer_until_disposition(page)
    link = page.get_by_role("link", name=re.compile("^Summary for my appointment"))
    expect(link).to_be_visible()
    assert link.get_attribute("rel") == "noopener noreferrer"
    with page.context.expect_page() as opened:
        link.click()
    summary = opened.value
    summary.wait_for_load_state()
    expect(summary.get_by_role("heading", level=1)).to_have_text("Summary for my appointment")
    summary.screenshot(path=artifacts / "summary-01-screen.png", full_page=True)
    summary.emulate_media(media="print")
    for paper in ("A4", "Letter"):
        pdf = tmp_path / f"summary-{paper}.pdf"
        summary.pdf(path=str(pdf), format=paper, print_background=True)
        pages, text = pdf_text(pdf)
        assert pages == 1, f"{paper}: {pages} pages"
        # Who to contact and how soon (advice.yml, level "soon"), the number, the notice.
        assert "within the next few days" in text
        assert "oncologist, breast care nurse or primary care doctor" in text
        assert "In an emergency call 911 now." in text
        assert "not a doctor, and I cannot diagnose anything" in text
        assert "bone" in text.lower()  # what was reported
        assert "Print this page" not in text  # the button is for the screen only
    url = summary.url
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits in URL-safe base64
    response = httpx.get(url, timeout=10)
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert httpx.get(url[: -len(token)], timeout=10).status_code == 404
    assert httpx.get(url[:-4] + "AAAA", timeout=10).status_code == 404
