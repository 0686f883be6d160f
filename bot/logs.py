"""Logging and warning set-up shared by Rasa, the action server and the gateway.

Each process's entry point (``components.rasa_entry``, ``actions.entry``, ``api.entry``)
calls ``quiet_third_party()`` before it imports anything heavy, then ``configure(process)``.

- ``LOG_LEVEL`` (default WARNING) applies to all three processes, so a normal run prints
  only what went wrong; ``bot run`` itself prints one line per start, stop or restart.
- ``LOG_FORMAT=json`` prints one JSON object per line with exactly the fields in
  ``JSON_FIELDS``. Never the rendered message: third-party libraries (Rasa's REST channel,
  for one) put what a person wrote into theirs. The event is our own event name, Rasa's
  structlog event key, or a logger's %-template without its values.
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import os
import sys
import warnings
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

#: Known warnings from libraries we cannot change, each ignored at its source: (category,
#: module the warning is attributed to as a regex, message regex). Anything else still shows.
THIRD_PARTY_WARNINGS: tuple[tuple[type[Warning] | str, str, str], ...] = (
    # sanic_cors compares Sanic versions with distutils' LooseVersion.
    (DeprecationWarning, r"sanic_cors\.", r"distutils Version classes are deprecated"),
    # apscheduler, matplotlib, ruamel and others import or call pkg_resources.
    (DeprecationWarning, r"", r"pkg_resources is deprecated as an API"),
    (DeprecationWarning, r"pkg_resources", r"Deprecated call to `pkg_resources\.declare_namespace"),
    # matplotlib 3.5 and packaging 20 use pyparsing 2 names that pyparsing 3 deprecates.
    ("pyparsing.PyparsingDeprecationWarning", r"(matplotlib|packaging)\.", r""),
    # TensorFlow 2.12's lite converter imports a jax name that jax deprecates.
    (DeprecationWarning, r"tensorflow\.", r"jax\.xla_computation is deprecated"),
    # Rasa's tracker store uses declarative_base() from SQLAlchemy 1.4 (Rasa pins <1.5).
    ("sqlalchemy.exc.MovedIn20Warning", r"rasa\.", r""),
    # Reproducible training sets TF_DETERMINISTIC_OPS on purpose; the notice is about GPUs.
    (UserWarning, r"rasa\.", r"You have set 'TF_DETERMINISTIC_OPS' to 1"),
    # Rasa's importer about things our own components cover: affirm and deny come from
    # buttons, SymptomEntityExtractor extracts the entities, utter_anything_else is sent by
    # an action (``bot validate`` still checks the data with --fail-on-warnings).
    (UserWarning, r"rasa\.", r".*Intent '\w+' has no examples"),
    (UserWarning, r"rasa\.", r"The utterance '\w+' is not used in any story or rule"),
    (UserWarning, r"rasa\.", r"You have defined training data consisting of entity examples"),
)

#: Environment switches the libraries themselves document.
THIRD_PARTY_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # TensorFlow's C++ start-up notices
    # transformers' "Some weights of the PyTorch model were not used" (position_ids, which
    # TFBertModel computes itself) and its other notices below error.
    "TRANSFORMERS_VERBOSITY": "error",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}

JSON_FIELDS = ("time", "process", "level", "event", "session_id")

#: Rasa's structlog keys that hold what a person wrote (``rasa.utils.log_utils``); left out
#: of text lines too.
TEXT_KEYS = frozenset(
    {
        "text",
        "response_text",
        "user_text",
        "slot_values",
        "parse_data_text",
        "parse_data_entities",
        "prediction_events",
        "tracker_latest_message",
        "prefilled_slots",
        "message",
        "response",
        "slot_candidates",
        "rasa_event",
        "rasa_events",
        "tracker_states",
        "current_states",
        "old_states",
        "successes",
        "current_entity",
        "next_entity",
        "states",
        "entity",
        "token_text",
        "user_message",
        "json_message",
        "event_info",
    }
)
SESSION_KEYS = ("session_id", "sender_id", "conversation_id")

#: Libraries that log at INFO what is noise to a person running the product.
NOISY_LOGGERS = ("sanic.access", "uvicorn.access", "httpx", "httpcore", "asyncio", "urllib3")


#: Modules that put a filter of their own in front of every other at import (Sanic: "once"
#: for every DeprecationWarning); imported first, so that ours go back in front.
FILTER_RESETTING_IMPORTS = ("sanic.app",)


_session: ContextVar[str | None] = ContextVar("log_session_id", default=None)


@contextlib.contextmanager
def session_context(session_id: str | None) -> Iterator[None]:
    """Records logged inside (this task and the tasks it starts) carry this session id."""
    token = _session.set(session_id)
    try:
        yield
    finally:
        _session.reset(token)


def quiet_third_party(preload: tuple[str, ...] = ()) -> None:
    """Ignores the known third-party warnings and notices (call before importing them).
    ``preload``: modules of ``FILTER_RESETTING_IMPORTS`` this process uses anyway.
    """
    for key, value in THIRD_PARTY_ENV.items():
        os.environ.setdefault(key, value)
    _install_filters()
    if preload:
        for name in preload:
            __import__(name)
        _install_filters()


def _install_filters() -> None:
    for category, module, message in THIRD_PARTY_WARNINGS:
        resolved = _category(category)
        if resolved is not None:
            warnings.filterwarnings("ignore", message=message, category=resolved, module=module)


def _category(category: type[Warning] | str) -> type[Warning] | None:
    if not isinstance(category, str):
        return category
    module_name, _, name = category.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[name])
    except ImportError:
        return None
    return getattr(module, name, None)


def level_from_env() -> int:
    """``LOG_LEVEL`` as a logging level (WARNING when unset or unknown)."""
    value = logging.getLevelName((os.environ.get("LOG_LEVEL") or "WARNING").upper())
    return value if isinstance(value, int) else logging.WARNING


def json_from_env() -> bool:
    """Whether ``LOG_FORMAT`` asks for JSON lines (text is the default)."""
    return (os.environ.get("LOG_FORMAT") or "text").lower() == "json"


def event_of(record: logging.LogRecord) -> tuple[str, str | None]:
    """(event name, session id) of a record, without any value that could be message text."""
    session = getattr(record, "session_id", None)
    if isinstance(record.msg, dict):  # a structlog event (Rasa's), handed over unrendered
        data = record.msg
        event = str(data.get("event", record.name))
        session = session or next((data[k] for k in SESSION_KEYS if data.get(k)), None)
    elif record.name == "py.warnings":  # logging.captureWarnings: "file:line: Category: ..."
        where, _, rest = str(record.args[0] if record.args else record.msg).partition(": ")
        event = f"warning {rest.partition(':')[0]} at {where.strip()}"
    elif hasattr(record, "event"):
        event = str(record.event)  # type: ignore[attr-defined]
    elif record.args:
        event = f"{record.name}: {record.msg}"  # the template; its values are left out
    else:
        event = record.name
    session = session or _session.get()
    return event, (str(session) if session else None)


class JsonFormatter(logging.Formatter):
    """One JSON object per record with exactly ``JSON_FIELDS`` (plus ``error``, the
    exception's type, for a record that carries one).
    """

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON object with the fields of ``JSON_FIELDS``."""
        event, session = event_of(record)
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "process": self.process,
            "level": record.levelname.lower(),
            "event": event,
            "session_id": session,
        }
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
        return json.dumps(out)


class TextFormatter(logging.Formatter):
    """``LEVEL logger: message`` (the supervisor adds the time and process name)."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as one text line, leaving out message text."""
        if isinstance(record.msg, dict):
            data = record.msg
            fields = " ".join(
                f"{k}={v}"
                for k, v in data.items()
                if k not in TEXT_KEYS and k not in {"event", "level", "log_level"}
            )
            record = logging.makeLogRecord(
                {**record.__dict__, "msg": f"{data.get('event')} {fields}".strip(), "args": ()}
            )
        return super().format(record)


def configure(process: str, level: int | None = None) -> None:
    """Sends every log record of this process to one stderr handler in ``LOG_FORMAT``, at
    ``LOG_LEVEL``; Rasa's structlog events go through the same handler.
    """
    level = level_from_env() if level is None else level
    formatter: logging.Formatter = JsonFormatter(process) if json_from_env() else TextFormatter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # In JSON mode a Python warning is a log record too (its category and place, not its
    # text), so that every line stays one JSON object.
    logging.captureWarnings(json_from_env())
    # Libraries that set up handlers of their own (Sanic, uvicorn, coloredlogs through
    # Rasa) log through ours instead, at the same level.
    for name in ("rasa", "rasa_sdk", "sanic.root", "sanic.error", "uvicorn", "uvicorn.error"):
        lib = logging.getLogger(name)
        lib.handlers.clear()
        lib.propagate = True
        lib.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    _route_structlog(level)


def _route_structlog(level: int) -> None:
    """Rasa's structlog events reach the stdlib handler as dicts, rendered by our formatter
    (instead of Rasa's renderer, which prints every key, message text included).
    """
    try:
        import structlog
    except ImportError:  # the gateway's environment always has it; be safe anyway
        return
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.processors.add_log_level,
            lambda _logger, _name, event_dict: ((event_dict,), {}),  # type: ignore[list-item]
        ],
        context_class=dict,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
