"""The delivery loop: find new alerts, send due deliveries, retry with exponential backoff.

The gateway runs ``Dispatcher.run`` as a background task while alerts are configured; the work
is plain blocking code run in a thread. Every attempt is written to the audit log (action
``alert_delivery``, no message text).
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.engine import Engine

from bot.settings import Settings
from clinician import audit, tracker
from clinician.care_team import outbox
from clinician.care_team.senders import DeliveryError, Sender, senders

logger = logging.getLogger(__name__)


class Dispatcher:
    """Scans for alerts and delivers them; one per process, safe to run in several."""

    def __init__(
        self, settings: Settings, engine: Engine, by_channel: dict[str, Sender] | None = None
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.by_channel = senders(settings) if by_channel is None else by_channel
        self._events_table = False

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery stays this sender's: three timeouts and a margin."""
        return self.settings.alert_timeout_seconds * 3 + 30

    def scan(self) -> list[str]:
        """Turn new tracker-store events into alerts; returns the new alerts' ids."""
        if not self._events_table:  # Rasa creates it with its first conversation
            self._events_table = tracker.table_exists(self.engine)
            if not self._events_table:
                return []
        return outbox.scan(self.engine, self.settings)

    def deliver_due(self, only_alert: str | None = None) -> list[tuple[str, str, str]]:
        """One attempt at each due delivery: (alert id, channel, new status) for each."""
        done = []
        for item in outbox.due(self.engine, alert_id=only_alert):
            sender = self.by_channel.get(item.channel)
            if sender is None or not outbox.claim(
                self.engine, item.delivery_id, self.lease_seconds
            ):
                continue
            error = None
            try:
                sender(item.alert)
            except DeliveryError as err:
                error = str(err)
            except Exception as err:  # a sender bug must not stop the other alerts
                error = type(err).__name__
            status, attempts = outbox.record_attempt(
                self.engine, self.settings, item.delivery_id, ok=error is None, error=error
            )
            audit.record(
                self.engine,
                "alert_delivery",
                actor="alerts",
                target=item.alert.session_id,
                detail={
                    "alert_id": item.alert.id,
                    "type": item.alert.type,
                    "channel": item.channel,
                    "attempt": attempts,
                    "status": status,
                    "error": error,
                },
            )
            if error:
                logger.warning(
                    "alert %s by %s: attempt %d failed (%s), now %s",
                    item.alert.id,
                    item.channel,
                    attempts,
                    error,
                    status,
                )
            done.append((item.alert.id, item.channel, status))
        return done

    def tick(self) -> None:
        """One round: scan for new alerts, then one attempt at each due delivery."""
        self.scan()
        self.deliver_due()

    async def run(self) -> None:
        """Until cancelled: a tick every ALERT_POLL_SECONDS; errors are logged, not fatal."""
        while True:
            started = time.monotonic()
            try:
                await asyncio.to_thread(self.tick)
            except asyncio.CancelledError:
                raise
            except Exception as err:  # the store may be down for a while: try again later
                logger.error("alert delivery loop: %s", type(err).__name__)
            elapsed = time.monotonic() - started
            await asyncio.sleep(max(0.0, self.settings.alert_poll_seconds - elapsed))


def start(settings: Settings, engine: Engine) -> asyncio.Task | None:
    """The gateway's background task, or None while no receiver is configured."""
    if settings.alert_webhook_url and not settings.alert_webhook_secret:
        logger.error("ALERT_WEBHOOK_URL is set without ALERT_WEBHOOK_SECRET: no webhook is sent")
    if not settings.alerts_configured:
        return None
    return asyncio.get_running_loop().create_task(Dispatcher(settings, engine).run())
