"""Calls to Rasa's HTTP API, authenticated with a JWT signed by the shared secret.

A JWT in the Authorization header is used instead of ``--auth-token``, whose token travels
as a query parameter and lands in access logs.
"""

from __future__ import annotations

import time

import jwt


def admin_token(secret: str, ttl_seconds: int = 300) -> str:
    """A short-lived JWT for Rasa's HTTP API, signed with the shared secret."""
    payload = {
        "user": {"username": "bot-cli", "role": "admin"},
        "exp": int(time.time()) + ttl_seconds,
    }
    return jwt.encode(payload, secret, algorithm="HS256")


def auth_headers(secret: str) -> dict[str, str]:
    """The Authorization header for Rasa's HTTP API."""
    return {"Authorization": f"Bearer {admin_token(secret)}"}
