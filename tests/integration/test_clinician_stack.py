"""A conversation through the real stack (`bot run`) shows up in the clinician API."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

PASSWORD = "integration-passphrase-1"


def test_a_real_conversation_reaches_the_clinician_api(stack: Stack):
    first = stack.chat("hello")
    assert first.status_code == 200
    session_id = first.json()["session_id"]
    assert stack.chat("my head has been aching every morning", session_id).status_code == 200
    # In words (one of the training examples): a typed "/request_clinician" that the bot did
    # not offer as a button is text, not a payload (issue 15).
    assert stack.chat("i want to talk to a nurse", session_id).status_code == 200

    anonymous = httpx.get(f"{stack.gateway_url}/api/v1/clinician/conversations", timeout=30)
    assert anonymous.status_code == 401

    with stack.clinician_client("int-nurse", PASSWORD) as client:
        listing = client.get("/api/v1/clinician/conversations", params={"q": session_id})
        assert listing.status_code == 200
        (item,) = listing.json()["items"]
        assert item["session_id"] == session_id
        assert item["user_messages"] == 3
        assert item["attention"] is True  # the person asked for a clinician

        transcript = client.get(f"/api/v1/clinician/conversations/{session_id}").json()
        users = [t for t in transcript["turns"] if t["kind"] == "user"]
        assert [u["text"] for u in users] == [
            "hello",
            "my head has been aching every morning",
            "i want to talk to a nurse",
        ]
        assert users[2]["intent"] == "request_clinician"
        assert users[0]["intent"] == "greet" and 0 < users[0]["confidence"] <= 1
        assert any(t["kind"] == "bot" and "911" in t["text"] for t in transcript["turns"])
        assert any(t["kind"] == "attention" for t in transcript["turns"])
    # The gateway never logs message text.
    assert "aching every morning" not in stack.logs()
