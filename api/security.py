"""What makes the gateway safe to put on the internet, in one place.

- ``SecurityHeadersMiddleware``: CSP (frame-ancestors from settings), nosniff, referrer and
  permissions policies on every response, ``no-store`` on API answers (health data), and a
  plain JSON 500 instead of any traceback.
- ``BodyLimitMiddleware``: refuses bodies over ``MAX_REQUEST_BYTES`` with 413 before they are
  read into memory, whether or not the client sent a ``Content-Length``.
- ``add_cors``: Starlette's CORS middleware with the allow-list from settings.
- ``RateLimits``: per session id and per client address (``limits``, the library under
  slowapi), answering 429 with ``Retry-After``; the chat API and the Socket.IO door share them.

All are pure ASGI (no ``BaseHTTPMiddleware``) so they add little to each turn.
"""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.content.notices import emergency_line
from bot.settings import Settings

logger = logging.getLogger(__name__)

# Paths whose answers may be cached by browsers (the widget's files); everything else is
# either an API answer about someone's health or a page that must not be stored.
PUBLIC_ASSET_PATHS = frozenset({"/widget.js", "/widget.css", "/demo.css"})


def content_security_policy(settings: Settings) -> str:
    """Our own pages load only our own script and styles: no inline code anywhere."""
    ancestors = " ".join(settings.frame_ancestors) or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


def _frame_options(settings: Settings) -> str | None:
    """The legacy header for browsers without frame-ancestors, where it can say the same."""
    ancestors = [a.strip().lower() for a in settings.frame_ancestors]
    if ancestors in ([], ["'none'"]):
        return "DENY"
    if ancestors == ["'self'"]:
        return "SAMEORIGIN"
    return None


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        headers = {
            "content-security-policy": content_security_policy(settings),
            "x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
            "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
            "cross-origin-opener-policy": "same-origin",
        }
        frame_options = _frame_options(settings)
        if frame_options:
            headers["x-frame-options"] = frame_options
        self._headers = [(k.encode(), v.encode()) for k, v in headers.items()]

    def _add(self, scope: Scope, message: Message) -> None:
        headers = list(message.get("headers", []))
        present = {k.lower() for k, _ in headers}
        headers += [(k, v) for k, v in self._headers if k not in present]
        path = scope.get("path", "")
        if path in PUBLIC_ASSET_PATHS:
            # The widget's files are loaded by other sites' pages.
            headers.append((b"cross-origin-resource-policy", b"cross-origin"))
        elif b"cache-control" not in present:
            headers.append((b"cache-control", b"no-store"))
        if scope.get("scheme") == "https":
            headers.append((b"strict-transport-security", b"max-age=31536000"))
        message["headers"] = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the security headers to every HTTP answer (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._add(scope, message)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Logged here without the request body; the person gets no internals.
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await _send_json(send_with_headers, 500, {"detail": "internal error"})


async def _send_json(
    send: Send, status: int, content: dict, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(content).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """413 for bodies over the limit: from ``Content-Length`` up front, else while streaming.

    A chunked body that grows too large is answered at once and the app is told the client
    went away, so it neither reads more nor answers a second time.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> dict:
        return {"detail": f"request body is too large: at most {self.max_bytes} bytes"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 to a body over the limit, before the app reads it (ASGI)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _send_json(send, 400, {"detail": "invalid Content-Length header"})
                    return
                if declared > self.max_bytes:
                    await _send_json(send, 413, self._detail(), [(b"connection", b"close")])
                    return
        received = 0
        response_started = False
        rejected = False

        async def limited_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not response_started:
                    rejected = True
                    await _send_json(send, 413, self._detail(), [(b"connection", b"close")])
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if rejected:
                return  # the 413 has been sent
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, guarded_send)


def add_cors(app: FastAPI, settings: Settings) -> None:
    """Only the listed sites may call the API from a browser; no cookies cross sites."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[o.rstrip("/") for o in settings.cors_origins],
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type"],
        expose_headers=["Retry-After"],
        allow_credentials=False,
        max_age=600,
    )


@dataclass
class _Limit:
    name: str
    items: list[RateLimitItem]


class RateLimits:
    """Per-session and per-client limits on the chat API; "off" disables one."""

    def __init__(self, settings: Settings) -> None:
        # The limiter holds its storage by weak reference: keep the strong one here.
        self._storage = storage_from_string(settings.rate_limit_storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._emergency = emergency_line(settings.emergency_number)
        self.per_session = self._parse("session", settings.rate_limit_per_session)
        self.per_client = self._parse("client", settings.rate_limit_per_client)

    @staticmethod
    def _parse(name: str, value: str) -> _Limit | None:
        return None if value == "off" else _Limit(name, parse_many(value))

    def _hit(self, limit: _Limit | None, key: str) -> None:
        if limit is None:
            return
        for item in limit.items:
            if not self._limiter.hit(item, limit.name, key):
                reset_at, _ = self._limiter.get_window_stats(item, limit.name, key)
                retry_after = max(1, math.ceil(reset_at - time.time()))
                raise HTTPException(
                    status_code=429,
                    detail=(
                        f"Too many messages in a short time. Please wait {retry_after} seconds "
                        f"and try again. {self._emergency}"
                    ),
                    headers={"Retry-After": str(retry_after)},
                )

    def check_client(self, request: Request) -> None:
        """Count one request of the request's client address (429 when over the limit)."""
        self.check_client_address(request.client.host if request.client else "unknown")

    def check_client_address(self, host: str) -> None:
        """Counts one request from this client address (any door)."""
        self._hit(self.per_client, host)

    def check_session(self, session_id: str) -> None:
        """Count one turn of a chat session (429 when over the limit)."""
        self._hit(self.per_session, session_id)
