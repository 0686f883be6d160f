"""Small, measured corrections to Rasa 3.6, applied by ``components.rasa_entry`` at start-up.

``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` for every action
server response; ``validate`` checks the (constant) schema against its meta-schema on every
call first. That was half of Rasa's CPU per triage turn here (97 → 38 ms per turn without it;
bench/experiments/jsonschema_cache.py, BENCHMARKS.md). The replacement checks the schema once
and validates each response exactly as before, with Rasa's own error message.

Rasa's ``PUT /model`` builds the new agent (``rasa.server._load_agent``) before dropping the
old one, whose TensorFlow objects sit in reference cycles, and glibc keeps freed pages in its
arenas: resident memory grew 28% over ten reloads. ``return_memory_after_reloads`` runs a full
collection and ``malloc_trim`` shortly after each load (bench/experiments/reload_trim.py;
BENCHMARKS.md has the figures).

A custom action that fails (action server down, hung or erroring) is logged by Rasa's
processor, which then goes on without the action's events and replies and answers 200.
``record_failed_custom_actions`` records the failure for the conversation
(``components.turn_failures``), so the turn is not saved and the REST channel answers 503;
further custom actions of that turn fail at once. It also bounds Rasa's wait for the action
server (300 s in Rasa) so that a hung action server gets the person that answer before the
gateway stops waiting.

Two more bound what one message can make Rasa do (issue 15): ``bound_actions_per_turn``
counts Rasa's limit on predicted actions from the start of the turn, and
``payloads_only_when_offered`` takes a message starting with "/" as a payload (an intent with
entities, without NLU) only when it is exactly a button the bot has just offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import itertools
from typing import Any

# Seconds after a model load before memory is given back: by then the request that loaded
# it has swapped agents and the old one is unreferenced.
TRIM_DELAY_SECONDS = 2.0


def validate_action_results_with_one_validator() -> None:
    """Validate action server responses with one validator, built and checked once."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            error.message += (
                ". Failed to validate Action server response from API, make sure your "
                "response from the Action endpoint is valid. For more information about the "
                f"format visit {DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


def give_back_memory() -> None:
    """Collect reference cycles, then return free heap pages to the system (glibc only)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def return_memory_after_reloads() -> None:
    """Give memory back to the system shortly after each model load."""
    import rasa.server

    load_agent = rasa.server._load_agent

    async def _load_agent(*args: Any, **kwargs: Any) -> Any:
        agent = await load_agent(*args, **kwargs)
        asyncio.get_running_loop().call_later(TRIM_DELAY_SECONDS, give_back_memory)
        return agent

    rasa.server._load_agent = _load_agent


def record_failed_custom_actions(timeout_seconds: float) -> None:
    """Record a failed custom action for its turn and wait at most ``timeout_seconds``."""
    from rasa.core.actions import action

    from components.turn_failures import ACTION, FAILURES

    # ``RemoteAction.run`` passes this module global as the request timeout on every call.
    action.DEFAULT_REQUEST_TIMEOUT = timeout_seconds  # type: ignore[attr-defined]
    run = action.RemoteAction.run

    async def run_recording_failures(
        self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> Any:
        if FAILURES.peek(tracker.sender_id) == ACTION:
            # The turn is lost already (it answers 503); Rasa predicts on after a failed
            # action, and each further call could wait for the same hung server.
            raise RuntimeError("an earlier custom action of this turn failed")
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except action.ActionExecutionRejection:
            raise  # a form rejecting a slot value: part of the conversation, not a failure
        except Exception:
            FAILURES.record(tracker.sender_id, ACTION)
            raise

    action.RemoteAction.run = run_recording_failures  # type: ignore[method-assign]


#: Attribute on the tracker a turn is handled with: how many events it held when Rasa
#: started predicting the turn's actions.
_TURN_START = "_issue15_turn_start"


def bound_actions_per_turn() -> None:
    """At most ``max_number_of_predictions`` actions per user turn, however they came about.

    Rasa's circuit breaker (``MessageProcessor.is_action_limit_reached``) counts the actions
    since the latest ``action_listen`` on the tracker. An action that re-adds a user message
    after an ``action_listen`` (the two-stage fallback's clarification does) resets that count,
    and Rasa can then predict and run actions without end inside one turn, on a tracker that
    grows with every round (issue 15). This counts from where the turn started instead.
    """
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted

    run_prediction_loop = MessageProcessor._run_prediction_loop
    is_action_limit_reached = MessageProcessor.is_action_limit_reached

    async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        setattr(tracker, _TURN_START, len(tracker.events))
        await run_prediction_loop(self, output_channel, tracker)

    def _is_action_limit_reached(self: Any, tracker: Any, should_predict_another: bool) -> bool:
        if is_action_limit_reached(self, tracker, should_predict_another):
            return True
        start = getattr(tracker, _TURN_START, None)
        if start is None or not should_predict_another:
            return False
        actions = sum(
            1
            for event in itertools.islice(tracker.events, start, None)
            if isinstance(event, ActionExecuted) and event.action_name != ACTION_LISTEN_NAME
        )
        return actions >= self.max_number_of_predictions

    MessageProcessor._run_prediction_loop = _run_prediction_loop  # type: ignore[method-assign]
    MessageProcessor.is_action_limit_reached = _is_action_limit_reached  # type: ignore[method-assign]


def offered_payloads(tracker: Any) -> set[str]:
    """Payloads of the buttons (and quick replies) the bot sent since the person's latest
    message: what a message may press. Empty without a tracker.
    """
    from rasa.shared.core.events import BotUttered, UserUttered

    offered: set[str] = set()
    for event in reversed(tracker.events if tracker is not None else ()):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for key in ("buttons", "quick_replies"):
                for button in event.data.get(key) or ():
                    if isinstance(button, dict) and isinstance(button.get("payload"), str):
                        offered.add(button["payload"].strip())
    return offered


def is_pressed_button(text: str | None, tracker: Any) -> bool:
    """The message is exactly one of the payloads the bot just offered."""
    return bool(text) and text.strip() in offered_payloads(tracker)


def payloads_only_when_offered() -> None:
    """A message starting with "/" is a payload only when the bot just offered that button.

    Rasa takes any message that starts with "/" as an intent with entities, at confidence 1
    and without NLU (``RegexMessageHandler``, the last node of the NLU graph): a person could
    type "/restart", "/report_seizure" or ``/inform{"severity": "1"}``. Every channel's
    messages are parsed by ``MessageProcessor.parse_message`` with the conversation's
    tracker, so this is where every channel is covered: any other message is parsed by the
    NLU graph up to the node before ``RegexMessageHandler``, that is as text.
    """
    from rasa.core.processor import MessageProcessor
    from rasa.shared.constants import INTENT_MESSAGE_PREFIX
    from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT

    parse_message = MessageProcessor.parse_message

    async def _parse_message(
        self: Any, message: Any, tracker: Any = None, only_output_properties: bool = True
    ) -> dict[str, Any]:
        text = (message.text or "").strip()
        if (
            self.http_interpreter is not None
            or not text.startswith(INTENT_MESSAGE_PREFIX)
            or is_pressed_button(text, tracker)
        ):
            return await parse_message(self, message, tracker, only_output_properties)
        from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
        from rasa.shared.core.trackers import DialogueStateTracker

        before_payloads = self.model_metadata.predict_schema.nodes[
            self.model_metadata.nlu_target
        ].needs["messages"]
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        results = self.graph_runner.run(
            inputs={PLACEHOLDER_MESSAGE: [message], PLACEHOLDER_TRACKER: tracker},
            targets=[before_payloads],
        )
        parsed = results[before_payloads][0]
        parse_data: dict[str, Any] = {TEXT: "", INTENT: {"name": None, "confidence": 0.0}}
        parse_data[ENTITIES] = []
        parse_data.update(parsed.as_dict(only_output_properties=only_output_properties))
        self._update_full_retrieval_intent(parse_data)
        self._check_for_unseen_features(parse_data)
        return parse_data

    MessageProcessor.parse_message = _parse_message  # type: ignore[method-assign]


def load_models_off_the_event_loop() -> None:
    """``PUT /model`` loads the new model in a worker thread, not in Rasa's event loop.

    Rasa's ``load_agent`` builds the new agent synchronously inside the event loop: measured
    here, ``bot reload`` left Rasa answering no one for up to 5.7 s on a quiet machine, longer
    on a busy one, long enough for the watchdog (ops/supervise.py) to take a reload for a
    hang. In a thread of its own (with its own short-lived event loop for Rasa's async
    factory), the old agent keeps answering until the new one replaces it. Apply before
    ``return_memory_after_reloads``, whose delayed clean-up must be scheduled on Rasa's loop.
    """
    import rasa.server

    load_agent = rasa.server._load_agent

    async def _load_agent(*args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(lambda: asyncio.run(load_agent(*args, **kwargs)))

    rasa.server._load_agent = _load_agent
