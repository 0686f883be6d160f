"""Real receivers on loopback for the alert tests: the webhook receiver from the docs (it
verifies the signature and drops repeats) and an aiosmtpd SMTP server that requires STARTTLS."""

from __future__ import annotations

import datetime
import importlib.util
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

RECEIVER_EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "webhook_receiver.py"


def receiver_module() -> Any:
    """docs/examples/webhook_receiver.py, imported as the receiving hospital would run it."""
    spec = importlib.util.spec_from_file_location("webhook_receiver", RECEIVER_EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@dataclass
class WebhookReceiver:
    secret: str
    port: int
    alerts: list[dict] = field(default_factory=list)
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/alerts"

    @property
    def requests(self) -> int:
        return self.server.requests if self.server else 0

    def start(self) -> WebhookReceiver:
        self.server = receiver_module().make_server(self.secret, self.port, self.alerts.append)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (the test's own CA)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class SmtpReceiver:
    """aiosmtpd on loopback; refuses mail until the client has started TLS."""

    port: int
    cert: Path
    key: Path
    messages: list[Message] = field(default_factory=list)
    tls_sessions: int = 0
    controller: Any = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpReceiver:
        from aiosmtpd.controller import Controller

        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if session.ssl is not None:
                    receiver.tls_sessions += 1
                receiver.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None
