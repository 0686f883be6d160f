"""Build rasa_sdk trackers and run actions with the real SDK classes, without a network."""

from __future__ import annotations

import asyncio
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())


def make_tracker(
    text: str = "",
    intent: str | None = None,
    confidence: float = 0.95,
    entities: list[dict] | None = None,
    slots: dict[str, Any] | None = None,
    active_loop: str | None = None,
    message_id: str = "msg-1",
    ranking: list[dict] | None = None,
) -> Tracker:
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": entities or [],
        "message_id": message_id,
        "intent_ranking": ranking
        or ([{"name": intent, "confidence": confidence}] if intent else []),
    }
    return Tracker(
        sender_id="test-conversation",
        slots=all_slots,
        latest_message=latest,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = asyncio.new_event_loop().run_until_complete(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
