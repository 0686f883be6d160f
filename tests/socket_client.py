"""A Socket.IO client speaking Rasa's socketio channel events, for the tests of the gateway's
Socket.IO door (python-socketio's own client, over polling or websocket)."""

from __future__ import annotations

import threading
import time
from typing import Any

import socketio


class SocketChat:
    """Connects like Rasa Webchat does and records every event it receives."""

    def __init__(
        self, url: str, transport: str = "polling", origin: str | None = None, timeout: float = 60
    ) -> None:
        options = {"origin": origin} if origin else {"suppress_origin": True}
        self.sio = socketio.Client(reconnection=False, websocket_extra_options=options)
        self.timeout = timeout
        self.events: list[tuple[str, Any]] = []
        self.bot = threading.Event()
        self.session_id: str | None = None
        for name in ("session_confirm", "bot_uttered", "chat_error"):
            self.sio.on(name, self._recorder(name))
        headers = {"Origin": origin} if origin and transport == "polling" else {}
        self.sio.connect(url, transports=[transport], headers=headers, wait_timeout=20)

    def _recorder(self, name: str):
        def record(data: Any = None) -> None:
            self.events.append((name, data))
            if name == "bot_uttered":
                self.bot.set()

        return record

    def call(self, event: str, data: Any) -> dict:
        return self.sio.call(event, data, timeout=self.timeout)

    def start(self, session_id: str | None = None) -> str:
        """``session_request``; returns the confirmed session id."""
        ack = self.call("session_request", {"session_id": session_id})
        assert ack["status"] == 200, ack
        self.session_id = ack["session_id"]
        return self.session_id

    def say(self, message: str) -> tuple[dict, list[dict]]:
        """One ``user_uttered``: its acknowledgement and the ``bot_uttered`` of the turn."""
        seen = len(self.bot_messages())
        ack = self.call("user_uttered", {"message": message, "session_id": self.session_id})
        expected = 1 if ack["status"] != 200 else _message_count(ack)
        deadline = time.monotonic() + 10
        while len(self.bot_messages()) - seen < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        return ack, self.bot_messages()[seen:]

    def bot_messages(self) -> list[dict]:
        return [d for n, d in self.events if n == "bot_uttered"]

    def texts(self) -> list[str]:
        return [m["text"] for m in self.bot_messages() if "text" in m]

    def close(self) -> None:
        self.sio.disconnect()

    def __enter__(self) -> SocketChat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _message_count(ack: dict) -> int:
    """How many bot_uttered a 200 turn sends (texts split on blank lines, plus the triage)."""
    count = 0
    for reply in ack["replies"]:
        count += len(reply["text"].strip().split("\n\n")) if reply["buttons"] else 1
    return count + (ack["triage"] is not None)
