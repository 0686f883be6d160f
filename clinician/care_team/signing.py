"""The webhook signature: ``Symptom-Checker-Signature: t=<unix seconds>,v1=<hex HMAC>``.

The scheme Stripe and GitHub use: the HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with
``ALERT_WEBHOOK_SECRET``. A receiver recomputes it over the bytes it received, compares in
constant time, and refuses a ``t`` outside its tolerance, so a captured request cannot be
replayed later; the ``Idempotency-Key`` header lets it drop a repeat inside the tolerance.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Symptom-Checker-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: How old a signature a receiver accepts by default (Stripe's default tolerance).
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, wrong or too old."""


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for this body, signed now (or at ``timestamp``)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={compute(secret, t, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> int:
    """Checks a header against the raw body; returns its timestamp or raises SignatureError."""
    if not header:
        raise SignatureError("no signature")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("no timestamp") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("signature too old (or from the future)")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, v) for v in parts.get("v1", [])):
        raise SignatureError("signature does not match")
    return timestamp
