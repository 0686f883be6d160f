"""The two receivers: a signed webhook POST and an e-mail over SMTP with STARTTLS.

Each sender takes a stored alert and raises ``DeliveryError`` with a short reason (never a
response body, never a secret) when the receiver did not take it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol
from urllib.parse import unquote, urlsplit

import httpx

from bot.settings import Settings
from clinician.care_team import outbox, signing
from clinician.care_team.content import level_label, load_content, type_label
from clinician.care_team.outbox import Alert, iso

USER_AGENT = "symptom-checker-alerts/1"
logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The receiver did not take the alert; the message says why in a few words."""


class Sender(Protocol):
    def __call__(self, alert: Alert) -> None:
        """Deliver one alert; raises DeliveryError when the receiver does not take it."""
        ...


def webhook_sender(settings: Settings) -> Sender:
    """POSTs the alert's stored body with the signature and idempotency headers."""
    url = settings.alert_webhook_url
    secret = settings.alert_webhook_secret
    if not url:
        raise ValueError("ALERT_WEBHOOK_URL is not set")
    if not secret:
        raise ValueError("ALERT_WEBHOOK_SECRET must be set with ALERT_WEBHOOK_URL")

    def send(alert: Alert) -> None:
        body = alert.body.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            signing.IDEMPOTENCY_HEADER: alert.id,
            # Signed at each attempt: a retry hours later still passes a receiver's tolerance.
            signing.SIGNATURE_HEADER: signing.sign(secret, body),
        }
        try:
            response = httpx.post(
                url, content=body, headers=headers, timeout=settings.alert_timeout_seconds
            )
        except httpx.HTTPError as err:
            raise DeliveryError(type(err).__name__) from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}")

    return send


def email_message(settings: Settings, alert: Alert) -> EmailMessage:
    """The alert e-mail: level, symptoms and the dashboard link; never message text."""
    words = load_content()["email"]
    payload = alert.payload()
    values = {
        "id": alert.id,
        "type_label": type_label(alert.type),
        "level_label": level_label(alert.level),
        "symptoms": ", ".join(alert.symptoms) or words["no_symptoms"],
        "created_at": iso(alert.created_at),
        "dashboard_url": payload.get("dashboard_url", ""),
    }
    message = EmailMessage()
    subject = words["test_subject"] if payload.get("test") else words["subject"]
    message["Subject"] = subject.format(**values)
    message["From"] = settings.alert_email_from or "symptom-checker@localhost"
    message["To"] = ", ".join(settings.alert_email_to)
    message["Date"] = formatdate(usegmt=True)
    # The same alert always has the same Message-ID, so mail systems can drop a repeat.
    message["Message-ID"] = f"<{alert.id}@symptom-checker.alerts>"
    message.set_content(words["body"].format(**values))
    return message


def _smtp_address(url: str) -> tuple[str, int, str | None, str | None]:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtp+starttls"):
        raise ValueError("ALERT_SMTP_URL must look like smtp://user:password@host:587")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname or "localhost", parts.port or 587, user, password


def email_sender(settings: Settings) -> Sender:
    """Sends over SMTP, refusing to go on without STARTTLS (the alert names symptoms)."""
    if not settings.alert_smtp_url:
        raise ValueError("ALERT_SMTP_URL is not set")
    host, port, user, password = _smtp_address(settings.alert_smtp_url)
    cafile = str(settings.alert_smtp_ca_file) if settings.alert_smtp_ca_file else None

    def send(alert: Alert) -> None:
        context = ssl.create_default_context(cafile=cafile)
        try:
            with smtplib.SMTP(host, port, timeout=settings.alert_timeout_seconds) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryError("the SMTP server does not offer STARTTLS")
                smtp.starttls(context=context)
                smtp.ehlo()
                if user:
                    smtp.login(user, password or "")
                smtp.send_message(email_message(settings, alert))
        except DeliveryError:
            raise
        except (OSError, smtplib.SMTPException, ssl.SSLError) as err:
            raise DeliveryError(type(err).__name__) from None

    return send


def senders(settings: Settings) -> dict[str, Sender]:
    """A sender for each configured receiver (``outbox.channels``). A receiver configured
    wrongly is reported in the log and left out: the gateway and the other receiver go on.
    """
    makers = {"webhook": webhook_sender, "email": email_sender}
    found: dict[str, Sender] = {}
    for channel in ("webhook", "email"):
        if channel not in outbox.channels(settings):
            continue
        try:
            found[channel] = makers[channel](settings)
        except ValueError as err:
            logger.error("alerts by %s are off: %s", channel, err)
    return found
