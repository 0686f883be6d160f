"""How ``bot run`` prints its processes' output (honcho's Printer, with LOG_FORMAT=json).

In text mode honcho's own format stays: ``time name | line``, with its one line per process
start and stop. In JSON mode every line must be one JSON object: the processes' own lines
(already JSON, from ``bot.logs``) pass through without a prefix, and honcho's start and stop
lines become JSON objects with the same fields.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from typing import TextIO

from honcho.printer import Message, Printer

from bot.logs import JSON_FIELDS

_SYSTEM = re.compile(r"(?P<name>\S+) (?P<what>started|stopped) \((?:pid|rc)=(?P<value>-?\d+)\)")


class JsonPrinter(Printer):
    """honcho Printer for LOG_FORMAT=json."""

    def __init__(self, output: TextIO = sys.stdout) -> None:
        super().__init__(output, prefix=False, colour=False)

    def write(self, message: Message) -> None:
        """Print a process's line as it is; honcho's start and stop lines as JSON."""
        if message.name != "system":
            super().write(message)
            return
        data = message.data.decode() if isinstance(message.data, bytes) else message.data
        for line in data.splitlines():
            found = _SYSTEM.fullmatch(line.strip())
            record = dict.fromkeys(JSON_FIELDS)
            record.update(
                time=message.time.astimezone(timezone.utc).isoformat(),
                process=found["name"] if found else "run",
                level="info",
                event=f"process.{found['what']}" if found else line.strip(),
            )
            if found:
                record["pid" if found["what"] == "started" else "exit_code"] = int(found["value"])
            print(json.dumps(record), file=self.output, flush=True)


#: The event of the line ``bot run`` prints in JSON mode when everything answers.
READY_EVENT = "run.ready"


def ready_record(seconds: float, gateway_url: str) -> str:
    """The JSON counterpart of the ready block (``bot.content.console.ready_block``)."""
    record = dict.fromkeys(JSON_FIELDS)
    record.update(
        time=datetime.now(timezone.utc).isoformat(),
        process="run",
        level="info",
        event=READY_EVENT,
        seconds=round(seconds, 1),
        url=gateway_url,
    )
    return json.dumps(record)
