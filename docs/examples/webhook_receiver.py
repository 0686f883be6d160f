"""A webhook receiver for the symptom checker's care-team alerts (standard library only).

Copy it, or follow it in your own stack. It shows the three checks every receiver must make:

1. **The signature.** ``Symptom-Checker-Signature: t=<unix seconds>,v1=<hex>`` is the
   HMAC-SHA256 of ``"<t>.<raw body>"`` keyed with the shared ``ALERT_WEBHOOK_SECRET``.
   Recompute it over the raw bytes received (before any JSON parsing) and compare in constant
   time.
2. **The age.** Refuse a ``t`` more than five minutes away from now: a captured request cannot
   be replayed later.
3. **Repeats.** The sender retries until it gets a 2xx, so the same alert can arrive twice.
   ``Idempotency-Key`` is the alert's id: answer 200 to a repeat without acting on it again.

Run: ``ALERT_WEBHOOK_SECRET=... python docs/examples/webhook_receiver.py 8080`` and set
``ALERT_WEBHOOK_URL=http://127.0.0.1:8080/alerts``. It prints each new alert (no message text
is ever in one: level, symptoms and the dashboard link).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300
MAX_BODY_BYTES = 65536


def signature_valid(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """True when the header signs this body with this secret, within the tolerance."""
    fields: dict[str, list[str]] = {}
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        return False  # too old (a replay) or from the future
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, v) for v in fields.get("v1", []))


def make_server(
    secret: str, port: int, on_alert: Callable[[dict], None], host: str = "127.0.0.1"
) -> ThreadingHTTPServer:
    """A server that calls ``on_alert`` once per alert id with a valid, fresh signature."""
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.server.requests += 1  # type: ignore[attr-defined]
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                return self._answer(413, "too large")
            body = self.rfile.read(length)
            header = self.headers.get("Symptom-Checker-Signature") or ""
            if not signature_valid(secret, header, body):
                return self._answer(401, "bad or old signature")
            key = self.headers.get("Idempotency-Key") or ""
            try:
                alert = json.loads(body)
            except ValueError:
                return self._answer(400, "not JSON")
            if key != alert.get("id"):
                return self._answer(400, "Idempotency-Key is not the alert id")
            with lock:
                repeat = key in seen
                seen.add(key)
            if not repeat:
                on_alert(alert)
            self._answer(200, "repeat ignored" if repeat else "ok")

        def _answer(self, status: int, text: str) -> None:
            data = json.dumps({"status": text}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass  # keep the console for the alerts themselves

    server = ThreadingHTTPServer((host, port), Handler)
    server.requests = 0  # type: ignore[attr-defined]  # every POST, accepted or not
    return server


def main() -> None:
    """Serve the example receiver on the port given (8080 by default)."""
    secret = os.environ.get("ALERT_WEBHOOK_SECRET")
    if not secret:
        sys.exit("set ALERT_WEBHOOK_SECRET to the secret the symptom checker signs with")
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8080
    server = make_server(secret, port, lambda alert: print(json.dumps(alert), flush=True))
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
