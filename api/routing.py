"""The gateway's route class: docstrings are for developers, the OpenAPI document says only
what a route's decorator says (``summary``, ``description``), so writing a docstring never
changes the published API document.
"""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute


class ApiRoute(APIRoute):
    """An ``APIRoute`` whose OpenAPI description comes from ``description=`` only."""

    def __init__(self, *args: Any, description: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, description=description, **kwargs)
        self.description = description or ""
