"""The action-response validation keeps Rasa's behaviour with a validator built once."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot.rasa_patches import validate_action_results_with_one_validator


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

    from bot import rasa_patches

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

    from bot.rasa_patches import give_back_memory

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
