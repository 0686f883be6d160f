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
