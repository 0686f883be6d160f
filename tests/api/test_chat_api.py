"""The chat API's validation and its safe answer when Rasa is down (nothing listens)."""

from __future__ import annotations

import pytest


def test_rasa_down_gives_503_with_emergency_guidance(client):
    response = client.post("/api/v1/chat", json={"message": "my back hurts"})
    assert response.status_code == 503
    body = response.json()
    assert "999" in body["detail"]
    assert "999" in body["emergency"]
    assert "Traceback" not in response.text
    assert "127.0.0.1" not in response.text


@pytest.mark.parametrize(
    "payload",
    [
        {"message": ""},
        {"message": "   \n\t"},
        {"message": 42},
        {"message": None},
        {"message": ["hi"]},
        {},
        {"message": "hi", "session_id": "short"},
        {"message": "hi", "session_id": "has spaces in it"},
        {"message": "hi", "session_id": "x" * 65},
        {"message": "hi", "session_id": "<script>alert(1)</script>"},
        {"message": "hi", "session_id": 12345678},
        {"message": "hi", "unknown": 1},
        {"message": "nul\x00byte"},
    ],
)
def test_invalid_chat_requests_get_422_with_detail(client, payload):
    response = client.post("/api/v1/chat", json=payload)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_malformed_json_gets_422(client):
    response = client.post(
        "/api/v1/chat", content=b'{"message": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"]


def test_too_long_message_gets_413(client, settings):
    response = client.post("/api/v1/chat", json={"message": "a" * (settings.max_message_chars + 1)})
    assert response.status_code == 413
    assert "at most" in response.json()["detail"]


def test_unknown_path_and_wrong_method_get_json_errors(client):
    assert client.get("/api/v1/nope").status_code == 404
    assert client.get("/api/v1/nope").json()["detail"]
    assert client.get("/api/v1/chat").status_code == 405
    assert client.get("/api/v1/chat").json()["detail"]


def test_health_is_ok_but_not_ready_when_dependencies_are_down(client):
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["rasa"] is False
    assert ready.json()["checks"]["actions"] is False
