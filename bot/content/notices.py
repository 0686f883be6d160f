"""The notices every conversation carries: not a diagnosis, and the emergency number."""

from __future__ import annotations

NOT_A_DIAGNOSIS = (
    "I'm an automated symptom checker for people who have finished breast cancer treatment. "
    "I can't diagnose anything and I don't replace your care team: I help you decide how soon "
    "to contact them."
)


def emergency_line(emergency_number: str) -> str:
    return (
        f"If you think it's an emergency (for example sudden weakness or numbness in your legs, "
        f"a seizure, chest pain, severe breathlessness or coughing up blood), call "
        f"{emergency_number} now."
    )


def opening_notice(emergency_number: str) -> str:
    """Sent when a conversation (session) starts, whatever the channel."""
    return f"{NOT_A_DIAGNOSIS} {emergency_line(emergency_number)}"


def unavailable(emergency_number: str) -> str:
    """Said by the gateway when the assistant cannot answer (a dependency is down)."""
    return (
        "Sorry, the symptom checker can't answer right now. Please try again in a few minutes. "
        f"{emergency_line(emergency_number)} Otherwise, contact your care team or doctor "
        "as you normally would."
    )
