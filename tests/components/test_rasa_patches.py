"""The action-response validation keeps Rasa's behaviour with a validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from components.rasa_patches import validate_action_results_with_one_validator


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    validate_action_results_with_one_validator()
    return RemoteAction("action_triage_start", None)


def test_valid_action_server_response_passes(action):
    response = {
        "events": [{"event": "slot", "name": "triage_step", "value": None}],
        "responses": [{"text": "Have your legs felt weak?", "buttons": []}],
    }
    assert action._validate_action_result(response) is True


def test_invalid_response_raises_rasas_validation_error(action):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def test_memory_is_given_back_after_each_model_load(monkeypatch):
    import asyncio

    import rasa.server

    from components import rasa_patches

    loads: list[str] = []
    trims: list[bool] = []

    async def load_agent(model_path: str) -> str:
        loads.append(model_path)
        return f"agent of {model_path}"

    monkeypatch.setattr(rasa.server, "_load_agent", load_agent)
    monkeypatch.setattr(rasa_patches, "TRIM_DELAY_SECONDS", 0.01)
    monkeypatch.setattr(rasa_patches, "give_back_memory", lambda: trims.append(True))
    rasa_patches.return_memory_after_reloads()

    async def reload_twice() -> list[str]:
        agents = [await rasa.server._load_agent("a.tar.gz"), await rasa.server._load_agent("b")]
        await asyncio.sleep(0.1)
        return agents

    assert asyncio.run(reload_twice()) == ["agent of a.tar.gz", "agent of b"]
    assert loads == ["a.tar.gz", "b"]
    assert trims == [True, True]


def test_giving_back_memory_collects_reference_cycles():
    import gc
    import weakref

    from components.rasa_patches import give_back_memory

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    alive = weakref.ref(a)
    gc.disable()
    try:
        del a, b
        assert alive() is not None
        give_back_memory()
        assert alive() is None
    finally:
        gc.enable()


def _tracker(sender: str):
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker(sender, [])


def test_custom_action_that_cannot_reach_the_action_server_is_recorded(monkeypatch):
    import asyncio

    from rasa.core.actions import action as rasa_action
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.domain import Domain
    from rasa.utils.endpoints import EndpointConfig

    from components.rasa_patches import record_failed_custom_actions
    from components.turn_failures import FAILURES
    from tests.integration.conftest import free_port

    monkeypatch.setattr(rasa_action.RemoteAction, "run", rasa_action.RemoteAction.run)
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    record_failed_custom_actions(3.0)
    assert rasa_action.DEFAULT_REQUEST_TIMEOUT == 3.0

    nowhere = EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")
    remote = rasa_action.RemoteAction("action_triage_start", nowhere)
    with pytest.raises(Exception, match="Failed to execute custom action"):
        asyncio.run(remote.run(CollectingOutputChannel(), None, _tracker("down-1"), Domain.empty()))
    assert FAILURES.pop("down-1") == "action"


def test_form_rejecting_a_value_is_not_a_failure(monkeypatch):
    import asyncio

    from rasa.core.actions import action as rasa_action

    from components.rasa_patches import record_failed_custom_actions
    from components.turn_failures import FAILURES

    async def rejecting(self, output_channel, nlg, tracker, domain):
        raise rasa_action.ActionExecutionRejection(self.name(), "not a slot value")

    monkeypatch.setattr(rasa_action.RemoteAction, "run", rejecting)
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    record_failed_custom_actions(3.0)
    remote = rasa_action.RemoteAction("validate_triage_form", None)
    with pytest.raises(rasa_action.ActionExecutionRejection):
        asyncio.run(remote.run(None, None, _tracker("reject-1"), None))
    assert FAILURES.peek("reject-1") is None


def test_after_a_failed_custom_action_the_turns_other_actions_fail_at_once(monkeypatch):
    import asyncio

    from rasa.core.actions import action as rasa_action

    from components.rasa_patches import record_failed_custom_actions
    from components.turn_failures import FAILURES

    calls: list[str] = []

    async def failing(self, output_channel, nlg, tracker, domain):
        calls.append(self.name())
        raise ConnectionError("action server hung")

    monkeypatch.setattr(rasa_action.RemoteAction, "run", failing)
    monkeypatch.setattr(rasa_action, "DEFAULT_REQUEST_TIMEOUT", rasa_action.DEFAULT_REQUEST_TIMEOUT)
    record_failed_custom_actions(3.0)
    tracker = _tracker("hung-1")
    for name in ("action_triage_start", "action_default_fallback"):
        with pytest.raises(Exception):  # noqa: B017 - either failure ends the turn
            asyncio.run(rasa_action.RemoteAction(name, None).run(None, None, tracker, None))
    assert calls == ["action_triage_start"]
    assert FAILURES.pop("hung-1") == "action"


# ---- bounded work per turn and typed payloads (issue 15) ---------------------------------


def _turn_with_reinserted_messages(rounds: int):
    """A turn in which an action re-adds the user's message after an ``action_listen`` each
    time (what the two-stage fallback's clarification does), ``rounds`` times."""
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker.from_events(
        "loop-1",
        [ActionExecuted("action_listen"), UserUttered("hmm", {"name": "inform"})],
    )
    return tracker, [
        event
        for _ in range(rounds)
        for event in (
            ActionExecuted("action_two_stage_fallback"),
            ActionExecuted("action_listen"),
            UserUttered("hmm", {"name": "inform"}),
        )
    ]


def test_actions_per_turn_are_counted_from_the_turns_start_not_the_last_listen():
    from types import SimpleNamespace

    from rasa.core.processor import MessageProcessor

    from components.rasa_patches import _TURN_START, bound_actions_per_turn

    processor = SimpleNamespace(max_number_of_predictions=10)
    tracker, rounds = _turn_with_reinserted_messages(12)
    stock = MessageProcessor.is_action_limit_reached
    stock_loop = MessageProcessor._run_prediction_loop
    bound_actions_per_turn()
    patched = MessageProcessor.is_action_limit_reached
    try:
        setattr(tracker, _TURN_START, len(tracker.events))
        for event in rounds[:27]:
            tracker.update(event)
        assert not stock(processor, tracker, True)  # Rasa's own count was reset each round
        assert not patched(processor, tracker, True)  # 9 actions this turn
        tracker.update(rounds[27])
        assert patched(processor, tracker, True)  # the 10th
        assert not patched(processor, tracker, False)  # listening is always allowed
    finally:
        MessageProcessor.is_action_limit_reached = stock
        MessageProcessor._run_prediction_loop = stock_loop


def test_offered_payloads_are_the_buttons_since_the_persons_last_message():
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from components.rasa_patches import is_pressed_button, offered_payloads

    yes_no = {
        "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    }
    tracker = DialogueStateTracker.from_events(
        "buttons-1",
        [
            BotUttered("Is this about a headache?", {"buttons": [{"payload": "/report_headache"}]}),
            UserUttered("no", {"name": "deny"}),
            ActionExecuted("triage_form"),
            BotUttered("Thank you."),
            BotUttered("Any numbness?", yes_no),
        ],
    )
    assert offered_payloads(tracker) == {"/affirm", "/deny"}
    assert is_pressed_button("/affirm", tracker)
    assert is_pressed_button("  /deny ", tracker)
    assert not is_pressed_button("/report_headache", tracker)  # offered before, not now
    assert not is_pressed_button('/affirm{"severity": "1"}', tracker)
    assert not is_pressed_button("/restart", tracker)
    assert offered_payloads(None) == set()
    tracker.update(UserUttered("/affirm", {"name": "affirm"}))
    assert offered_payloads(tracker) == set()  # pressed: nothing is on offer any more


def test_a_model_load_leaves_rasas_event_loop_answering(monkeypatch):
    import asyncio
    import threading
    import time

    import rasa.server

    from components import rasa_patches

    loaded_in: list[int] = []

    async def load_agent(model_path: str) -> str:
        loaded_in.append(threading.get_ident())
        time.sleep(0.5)  # Rasa builds the agent synchronously: TensorFlow, files, graphs
        return f"agent of {model_path}"

    monkeypatch.setattr(rasa.server, "_load_agent", load_agent)
    rasa_patches.load_models_off_the_event_loop()

    async def reload_while_answering() -> tuple[str, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        ticker = asyncio.create_task(tick())
        agent = await rasa.server._load_agent("a.tar.gz")
        ticker.cancel()
        return agent, ticks

    agent, ticks = asyncio.run(reload_while_answering())
    assert agent == "agent of a.tar.gz"
    assert loaded_in and loaded_in[0] != threading.get_ident()
    assert ticks >= 10  # the loop went on meanwhile (it would be 0 if the load blocked it)
