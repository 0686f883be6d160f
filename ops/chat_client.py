"""`bot chat`: a conversation in the terminal through the gateway's chat API."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

import httpx

from bot.settings import Settings


def render(body: dict, write: Callable[[str], None]) -> list[dict]:
    """Prints the bot's replies; returns the buttons of the last reply."""
    buttons: list[dict] = []
    for reply in body.get("replies", []):
        write(f"bot: {reply['text']}")
        buttons = reply.get("buttons") or []
        for number, button in enumerate(buttons, 1):
            write(f"     [{number}] {button['title']}")
    triage = body.get("triage")
    if triage:
        write(f"     (triage level: {triage['level']}; symptoms: {', '.join(triage['symptoms'])})")
    return buttons


def chat(
    settings: Settings,
    lines: Iterable[str],
    write: Callable[[str], None] = print,
    session_id: str | None = None,
) -> str | None:
    """Sends each line (a button number picks that button) and prints the answers."""
    url = f"http://{settings.gateway_host}:{settings.gateway_port}/api/v1/chat"
    buttons: list[dict] = []
    with httpx.Client(timeout=60) as client:
        for line in lines:
            text = line.strip()
            if not text:
                continue
            if text.isdigit() and 1 <= int(text) <= len(buttons):
                text = buttons[int(text) - 1]["payload"]
            body: dict = {"message": text}
            if session_id:
                body["session_id"] = session_id
            try:
                response = client.post(url, json=body)
            except httpx.HTTPError:
                write(f"error: the gateway is not reachable at {url}: is `bot run` up?")
                return session_id
            data = response.json()
            if response.status_code != 200:
                write(f"bot ({response.status_code}): {data.get('detail')}")
                continue
            session_id = data["session_id"]
            buttons = render(data, write)
    return session_id


def prompt_lines() -> Iterable[str]:
    """Lines typed at the terminal prompt, until end of input."""
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("you: ") if interactive else sys.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return
        if not interactive and not line:
            return
        yield line
