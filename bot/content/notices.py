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


def clinician_contact(emergency_number: str) -> str:
    """When a person asks for a human: how to reach one (the bot cannot connect them)."""
    return (
        "I've marked this conversation for a clinician on your care team to review. I can't "
        "connect you to someone live, so if you need advice today, please call your cancer "
        "care team or breast care nurse on the number they gave you (the acute oncology line "
        "out of hours), or your primary care doctor. " + emergency_line(emergency_number)
    )


DID_NOT_UNDERSTAND = (
    "Sorry, I didn't quite understand. Could you say it another way? You can describe a "
    "symptom in your own words, or ask a question about breast cancer after treatment."
)
ASK_REPHRASE = (
    "Sorry, I'm not sure I understood. Could you tell me again in different words? For "
    'example: "my back has been aching for three weeks".'
)

# Said during the triage questions.
STARTING_QUESTIONS = (
    "Thank you for telling me. I'll ask a few questions, one at a time, to help you decide how "
    "soon to contact your care team."
)
DID_NOT_CATCH = "Sorry, I didn't quite catch that."
ANSWER_HINT = 'You can answer in your own words, or say "yes", "no" or "not sure".'
NOTED_TOO = "Thank you, I'll take that into account too."
CARRY_ON = "Let's carry on with the question I asked."
CLARIFY_SYMPTOM = (
    "Could you tell me a little more about what you've noticed? For example where it hurts, "
    "or what feels different from usual."
)


def no_symptom_found(emergency_number: str) -> str:
    """When, after asking, the bot still cannot tell which symptom the person means."""
    return (
        "I couldn't tell which symptom you mean, so I can't suggest how soon to contact your "
        "care team. If something is worrying you, please contact them or your doctor. "
        + emergency_line(emergency_number)
    )
