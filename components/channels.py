"""Rasa's REST channel, without message text in the logs.

Rasa 3.6's ``RestInput`` logs the user's text whenever handling fails
(``rest.message.received.failure``) and still answers 200 with whatever it collected. This
subclass keeps the same path (``/webhooks/rest/webhook``) and payload, logs failures without
the text, and answers 500 instead of a silent partial reply, so the gateway can tell the
person the assistant is unavailable. A turn in which the tracker store or a custom action
failed (``components.turn_failures``) answers 503: Rasa would have answered 200 with the
replies it had, without the failed action's, and the turn was not saved.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.logs import session_context
from components.turn_failures import ACTION, FAILURES

logger = logging.getLogger(__name__)


class PrivateRestInput(RestInput):
    """The REST channel under its usual name, safe for health data."""

    @classmethod
    def name(cls) -> str:
        """The channel's name in credentials.yml and its URL: ``rest``."""
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's routes: the health check and the webhook."""
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            collector = CollectingOutputChannel()
            try:
                # Every log line of this turn, Rasa's included, names its session.
                with session_context(sender_id):
                    await on_new_message(
                        UserMessage(
                            text,
                            collector,
                            sender_id,
                            input_channel=self._extract_input_channel(request),
                            metadata=self.get_metadata(request),
                        )
                    )
            except CancelledError:
                logger.error(
                    "rest message handling timed out (conversation %s)",
                    sender_id,
                    extra={"event": "rest.timeout", "session_id": sender_id},
                )
                return response.json({"error": "timeout"}, status=503)
            except Exception as err:  # Rasa's own handler catches everything too
                logger.error(
                    "rest message handling failed (conversation %s): %s",
                    sender_id,
                    type(err).__name__,
                    extra={"event": "rest.failed", "session_id": sender_id},
                )
                return response.json({"error": type(err).__name__}, status=500)
            failure = FAILURES.pop(sender_id)
            if failure:
                what = "a custom action" if failure == ACTION else f"tracker store {failure}"
                logger.error(
                    "turn not completed (%s failed), answering 503",
                    what,
                    extra={"event": "rest.turn_not_completed", "session_id": sender_id},
                )
                return response.json({"error": f"{what} failed"}, status=503)
            return response.json(collector.messages)

        return webhook
