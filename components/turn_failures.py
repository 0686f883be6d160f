"""What went wrong in the turn a Rasa process is handling, per conversation.

Rasa 3.6 carries on through two kinds of failure and still answers 200 (see the design's
pitfalls): a tracker store that cannot be read or written (``FailSafeTrackerStore`` swaps in
an empty tracker or keeps the events in memory), and a custom action that fails (the
processor logs it, drops the action's events and replies, and predicts the next action).
The tracker store (``components.tracker_store``) and the custom-action wrapper
(``components.rasa_patches.record_failed_custom_actions``) record such failures here; the tracker
store then refuses to save the half-done turn, and the REST channel (``components.channels``)
answers 503 for it, so the person gets the safe answer with the emergency guidance and the
record holds only turns that were answered in full.

One process handles a conversation's turns one at a time (Rasa's lock store), so a record
made during a turn belongs to that turn; ``start_turn`` clears what an earlier turn left
(for example one that came through a channel that does not read these records).
"""

from __future__ import annotations

READ = "read"  # the tracker could not be read
WRITE = "write"  # the turn could not be saved
ACTION = "action"  # a custom action failed (action server down, hung, erroring)

# Failures after which the turn must not be saved: Rasa went on without the conversation's
# state, or without a custom action's events and replies.
NOT_TO_BE_SAVED = (READ, ACTION)


class TurnFailures:
    """Failures of the current turn, by conversation id (the first one of a turn is kept)."""

    def __init__(self) -> None:
        self._by_conversation: dict[str, str] = {}

    def start_turn(self, conversation_id: str) -> None:
        """Forget what an earlier turn of the conversation recorded."""
        self._by_conversation.pop(conversation_id, None)

    def record(self, conversation_id: str, kind: str) -> None:
        """Record a failure of the turn, unless one is recorded already."""
        self._by_conversation.setdefault(conversation_id, kind)

    def peek(self, conversation_id: str) -> str | None:
        """The turn's failure, if any, leaving it recorded."""
        return self._by_conversation.get(conversation_id)

    def pop(self, conversation_id: str) -> str | None:
        """The turn's failure, if any, forgetting it."""
        return self._by_conversation.pop(conversation_id, None)


FAILURES = TurnFailures()
