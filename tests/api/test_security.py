"""The gateway's hardening, in-process: headers, CORS, size limits, rate limits, error bodies,
the OpenAPI document, and the partial-turn guard in front of Rasa."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from api.main import create_app
from api.rasa_client import RasaClient, RasaUnavailable
from bot.settings import Settings
from tests.integration.conftest import free_port

HOST_SITE = "https://www.example-hospital.org"


def make_client(tmp_path, **overrides) -> TestClient:
    settings = Settings(
        state_dir=tmp_path,
        rasa_port=free_port(),
        action_port=free_port(),
        emergency_number="999",
        rasa_timeout_seconds=2,
        **overrides,
    )
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture()
def gateway(tmp_path) -> Iterator[TestClient]:
    with make_client(tmp_path, cors_origins=[HOST_SITE]) as client:
        yield client


# ---- security headers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/widget.js"),
        ("GET", "/healthz"),
        ("GET", "/openapi.json"),
        ("GET", "/nope"),
        ("POST", "/api/v1/chat"),
    ],
)
def test_every_answer_has_security_headers(gateway, method, path):
    response = gateway.request(method, path, json={"message": "hi"} if method == "POST" else None)
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_frame_ancestors_come_from_settings(tmp_path):
    with make_client(tmp_path, frame_ancestors=["https://partner.example.org"]) as client:
        response = client.get("/")
    assert (
        "frame-ancestors https://partner.example.org" in response.headers["content-security-policy"]
    )
    assert "x-frame-options" not in response.headers  # it cannot say "that one site"


def test_api_answers_are_never_cached_but_the_widget_is_revalidated(gateway):
    chat = gateway.post("/api/v1/chat", json={"message": "hi"})
    assert chat.headers["cache-control"] == "no-store"
    js = gateway.get("/widget.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "max-age=300" in js.headers["cache-control"]
    assert js.headers["cross-origin-resource-policy"] == "cross-origin"
    again = gateway.get("/widget.js", headers={"If-None-Match": js.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    css = gateway.get("/widget.css")
    assert css.headers["content-type"].startswith("text/css")


def test_demo_page_embeds_the_widget_like_a_host_site(gateway):
    page = gateway.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<script src="/widget.js"' in page.text
    assert 'data-emergency-number="999"' in page.text
    assert "<style" not in page.text  # nothing inline: the CSP forbids it
    assert "onclick" not in page.text


# ---- CORS ------------------------------------------------------------------------------------


def test_cors_preflight_from_an_allowed_site_is_accepted(gateway):
    response = gateway.options(
        "/api/v1/chat",
        headers={
            "Origin": HOST_SITE,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == HOST_SITE
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


def test_cors_preflight_from_another_site_is_refused(gateway):
    response = gateway.options(
        "/api/v1/chat",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


def test_cors_answer_to_an_allowed_site_exposes_retry_after(gateway):
    response = gateway.post("/api/v1/chat", json={"message": "hi"}, headers={"Origin": HOST_SITE})
    assert response.headers["access-control-allow-origin"] == HOST_SITE
    assert "retry-after" in response.headers["access-control-expose-headers"].lower()
    other = gateway.post(
        "/api/v1/chat", json={"message": "hi"}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


# ---- sizes -------------------------------------------------------------------------------------


def test_body_over_the_limit_gets_413_before_it_is_read(gateway):
    response = gateway.post(
        "/api/v1/chat",
        content=b'{"message": "' + b"a" * 40_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "at most 32768 bytes" in response.json()["detail"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_chunked_body_over_the_limit_gets_413(gateway):
    def chunks():
        yield b'{"message": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = gateway.post(
        "/api/v1/chat", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"]


def test_ten_kilobyte_message_gets_413_with_detail(gateway):
    response = gateway.post("/api/v1/chat", json={"message": "word " * 2048})
    assert response.status_code == 413
    assert "at most 2000 characters" in response.json()["detail"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\x00\xff\xfe\x89PNG\r\n\x1a\n", "application/octet-stream"),
        (b"\x00\xff\xfe\x89PNG\r\n\x1a\n", "application/json"),
        (b"\xff\xfe{\x00}\x00", None),
        (b"message=hi", "application/x-www-form-urlencoded"),
        (b'{"message": "hi"', "application/json"),
        (b"[]", "application/json"),
        (b'"hi"', "application/json"),
        (b"null", "application/json"),
        (b"", "application/json"),
    ],
)
def test_binary_and_malformed_bodies_get_422_with_detail(gateway, content, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = gateway.post("/api/v1/chat", content=content, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"]


@pytest.mark.parametrize("message", ["\u200b", " \x0b\x85 ", "\u3000\ufeff"])
def test_invisible_only_messages_are_rejected(gateway, message):
    response = gateway.post("/api/v1/chat", json={"message": message})
    assert response.status_code == 422


def test_validation_errors_do_not_echo_the_input(gateway):
    response = gateway.post("/api/v1/chat", json={"message": "x", "session_id": "<script>1"})
    assert response.status_code == 422
    assert "<script>" not in response.text


# ---- rate limits -------------------------------------------------------------------------------


def test_per_session_limit_answers_429_with_retry_after(tmp_path):
    with make_client(tmp_path, rate_limit_per_session="2/minute") as client:
        session = {"message": "hi", "session_id": "session-one"}
        codes = [client.post("/api/v1/chat", json=session).status_code for _ in range(2)]
        assert codes == [503, 503]  # Rasa is down here: allowed through to it
        limited = client.post("/api/v1/chat", json=session)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "999" in limited.json()["detail"]  # still says what to do in an emergency
        other = client.post("/api/v1/chat", json={"message": "hi", "session_id": "session-two"})
        assert other.status_code == 503


def test_by_default_a_session_faster_than_a_person_types_is_turned_away_before_rasa(tmp_path):
    sent: list[str] = []

    def rasa(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json=[{"text": "ok"}])

    with make_client(tmp_path) as client:  # the default limits
        client.app.state.rasa = RasaClient("http://rasa", 2, transport=httpx.MockTransport(rasa))
        body = {"message": "hmm", "session_id": "fast-typist"}
        codes = [client.post("/api/v1/chat", json=body).status_code for _ in range(8)]
        other = client.post("/api/v1/chat", json={"message": "hi", "session_id": "someone-else"})
    assert codes == [200] * 6 + [429, 429]
    assert other.status_code == 200
    assert len(sent) == 7  # the refused messages cost Rasa nothing


def test_per_client_limit_counts_every_request_even_invalid_ones(tmp_path):
    with make_client(tmp_path, rate_limit_per_client="3/minute") as client:
        codes = [client.post("/api/v1/chat", json={"message": ""}).status_code for _ in range(3)]
        assert codes == [422, 422, 422]
        limited = client.post("/api/v1/chat", json={"message": "hi", "session_id": "fresh-one"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["detail"]


def test_rate_limits_off_never_limit(tmp_path):
    with make_client(tmp_path, rate_limit_per_client="off", rate_limit_per_session="off") as c:
        body = {"message": "hi", "session_id": "same-session"}
        assert {c.post("/api/v1/chat", json=body).status_code for _ in range(40)} == {503}


@pytest.mark.parametrize("value", ["lots", "20/fortnight", "twenty/minute", ""])
def test_bad_rate_limit_settings_fail_at_start_with_a_clear_message(value):
    with pytest.raises(ValueError, match="is not a rate limit"):
        Settings(rate_limit_per_session=value)


# ---- errors ------------------------------------------------------------------------------------


def test_unexpected_errors_give_a_plain_500_without_internals(tmp_path):
    settings = Settings(state_dir=tmp_path, rasa_port=free_port(), action_port=free_port())
    app = create_app(settings)
    boom = APIRouter()

    @boom.get("/boom")
    async def _boom() -> None:
        raise RuntimeError(f"secret internals at {settings.rasa_url}")

    app.include_router(boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal error"}
    assert "secret" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_503_names_no_internal_address(gateway):
    response = gateway.post("/api/v1/chat", json={"message": "my back hurts"})
    assert response.status_code == 503
    body = response.json()
    assert set(body) == {"detail", "emergency", "session_id"}
    assert "999" in body["detail"]
    assert "127.0.0.1" not in response.text
    assert "http" not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/chat", 405),
        ("PUT", "/api/v1/chat", 405),
        ("DELETE", "/api/v1/chat", 405),
        ("POST", "/widget.js", 405),
        ("GET", "/api/v2/chat", 404),
        ("GET", "/../etc/passwd", 404),
        ("GET", "/static/../../bot/settings.py", 404),
    ],
)
def test_wrong_method_and_unknown_path_get_json_detail(gateway, method, path, status):
    response = gateway.request(method, path)
    assert response.status_code == status
    assert response.json()["detail"]


# ---- the OpenAPI document ------------------------------------------------------------------------


def test_openapi_describes_every_endpoint_and_the_chat_errors(gateway):
    schema = gateway.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/chat", "/healthz", "/readyz", "/widget.js", "/widget.css", "/"):
        assert path in paths, path
    chat = paths["/api/v1/chat"]["post"]
    assert {"200", "400", "413", "422", "429", "503"} <= set(chat["responses"])
    assert "Retry-After" in chat["responses"]["429"]["headers"]
    request = schema["components"]["schemas"]["ChatRequest"]
    assert request["properties"]["message"]["maxLength"] == 2000
    session_id = request["properties"]["session_id"]["anyOf"]
    assert session_id == [{"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}, {"type": "null"}]
    assert request["additionalProperties"] is False
    response = schema["components"]["schemas"]["ChatResponse"]
    assert set(response["properties"]) == {"session_id", "replies", "triage"}
    assert set(response["required"]) == {"session_id", "replies", "triage"}
    assert response["properties"]["triage"]["anyOf"] == [
        {"$ref": "#/components/schemas/Triage"},
        {"type": "null"},
    ]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)


# ---- partial turns: the action server behind Rasa ------------------------------------------------


def run_coroutine(coroutine):
    """asyncio.run in its own thread: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _fake_rasa(
    actions_up: list[bool], replies: list[dict], rasa_status: int = 200
) -> tuple[RasaClient, list[str]]:
    """Rasa answering ``replies``; the action server's health answers from ``actions_up``."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        if request.url.path == "/health":
            return httpx.Response(200 if actions_up.pop(0) else 503)
        return httpx.Response(rasa_status, json=replies)

    client = RasaClient(
        "http://rasa.invalid",
        2,
        action_url="http://actions.invalid",
        transport=httpx.MockTransport(handler),
        action_probe_seconds=0.05,
    )
    return client, calls


async def _send_after_watching(client: RasaClient, seconds: float, message: str):
    """Starts the background watch, lets it probe for ``seconds``, then sends one turn."""
    client.start_watching_actions()
    await asyncio.sleep(seconds)
    try:
        return await client.send("session-1", message)
    finally:
        await client.close()


def test_a_turn_costs_no_probe_while_the_action_server_is_up():
    client, calls = _fake_rasa([], [{"text": "hello"}])
    turn = run_coroutine(client.send("session-1", "hello"))
    assert turn.replies[0]["text"] == "hello"
    assert calls == ["/webhooks/rest/webhook"]


def test_turn_is_not_sent_while_the_action_server_is_down():
    client, calls = _fake_rasa([False] * 100, [{"text": "partial"}])
    with pytest.raises(RasaUnavailable, match="not sent"):
        run_coroutine(_send_after_watching(client, 0.02, "my back hurts"))
    assert calls and set(calls) == {"/health"}  # Rasa never saw the message


def test_turn_goes_through_as_soon_as_the_action_server_is_back():
    # The watch saw it down; the turn asks again, finds it up, and is sent.
    client, calls = _fake_rasa([False, True], [{"text": "hello"}])
    client.actions_up = False
    turn = run_coroutine(client.send("session-1", "hello"))
    assert turn.replies[0]["text"] == "hello"
    assert calls == ["/health", "/health", "/webhooks/rest/webhook"]  # slow once, then up


def test_watch_notices_the_action_server_going_down_and_coming_back():
    health = [True, False, False] + [True] * 100
    client, _ = _fake_rasa(health, [{"text": "hello"}])

    async def watch() -> list[bool]:
        seen = []
        client.start_watching_actions()
        for _ in range(12):
            seen.append(client.actions_up)
            await asyncio.sleep(0.02)
        await client.close()
        return seen

    seen = run_coroutine(watch())
    assert False in seen and seen[-1] is True


def test_incomplete_turn_reported_by_rasa_is_unavailable():
    # Rasa's REST channel answers 503 when a custom action or the tracker store failed.
    client, _ = _fake_rasa([], {"error": "a custom action failed"}, rasa_status=503)
    with pytest.raises(RasaUnavailable, match="could not complete"):
        run_coroutine(client.send("session-1", "my back hurts"))


def test_complete_turn_gives_replies_and_the_triage():
    client, _ = _fake_rasa(
        [],
        [
            {"text": "Is it worse at night?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
            {"custom": {"triage": {"level": "soon", "symptoms": ["back pain"], "advice": "x"}}},
        ],
    )
    turn = run_coroutine(client.send("session-1", "my back hurts"))
    assert turn.replies == [
        {"text": "Is it worse at night?", "buttons": [{"title": "Yes", "payload": "/affirm"}]}
    ]
    assert turn.triage == {"level": "soon", "symptoms": ["back pain"], "advice": "x"}
