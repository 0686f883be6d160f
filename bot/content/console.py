"""What ``bot run`` tells the person who started it, once everything answers."""

from __future__ import annotations

#: The first clinician account is an admin: it can see the audit log and add the others.
FIRST_ACCOUNT_COMMAND = ".venv/bin/bot clinician add USERNAME --role admin"


def ready_block(seconds: float, gateway_url: str, has_clinician_account: bool) -> str:
    """The block printed when the product is ready: where to go, what to do first, how to
    stop. Starts with ``ops.local_stack.READY_ANNOUNCEMENT``.
    """
    lines = [
        f"==> ready in {seconds:.0f} s",
        f"    demo page   {gateway_url}/",
        f"    chat API    {gateway_url}/api/v1/chat",
        f"    dashboard   {gateway_url}/clinician",
        f"    API docs    {gateway_url}/docs",
    ]
    if not has_clinician_account:
        lines.append(
            f"    no clinician account yet: create the first with  {FIRST_ACCOUNT_COMMAND}"
        )
    lines.append("    Ctrl-C stops everything.")
    return "\n".join(lines)


def not_ready(seconds: float) -> str:
    """The console line for a stack not ready after ``seconds``."""
    return f"==> not ready after {seconds:.0f} s; see the lines above"


def starting(names: list[str]) -> str:
    """The console line announcing the processes being started."""
    return f"==> starting {', '.join(names)}"
