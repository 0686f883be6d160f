"""Every answer a real gateway gives the tests, held against its OpenAPI document.

``install`` (a session fixture in tests/conftest.py) wraps httpx's ``send`` so that each
response from a registered gateway (``register_gateway``: the stacks `bot run` starts, the
tests' own stacks and the threaded test servers) is kept. tests/contract/ checks them all
at the end of the run: the status is documented for the operation, the content type is one
documented for that status, a JSON body matches its schema, and a client generated from the
document (datamodel-code-generator, msgspec models: strict about types and nulls, as typed
clients are) parses it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes


GATEWAYS: set[str] = set()
RECORDED: list[Recorded] = []


def register_gateway(url: str) -> None:
    GATEWAYS.add(_base(url))


def _base(url: str) -> str:
    parts = urlsplit(str(url))
    return f"{parts.scheme}://{parts.netloc}"


def _keep(response: httpx.Response) -> None:
    request = response.request
    if _base(str(request.url)) not in GATEWAYS:
        return
    try:
        body = response.content
    except httpx.ResponseNotRead:
        return  # a streamed answer the test reads itself
    RECORDED.append(
        Recorded(
            request.method,
            request.url.path,
            response.status_code,
            response.headers.get("content-type", ""),
            body,
        )
    )


def install() -> None:
    """Records responses of registered gateways from every httpx client (idempotent)."""
    if getattr(httpx.Client.send, "_contract", False):
        return
    sync_send, async_send = httpx.Client.send, httpx.AsyncClient.send

    @functools.wraps(sync_send)
    def send(self, request, **kwargs):
        response = sync_send(self, request, **kwargs)
        _keep(response)
        return response

    @functools.wraps(async_send)
    async def asend(self, request, **kwargs):
        response = await async_send(self, request, **kwargs)
        _keep(response)
        return response

    send._contract = True  # type: ignore[attr-defined]
    httpx.Client.send = send  # type: ignore[method-assign]
    httpx.AsyncClient.send = asend  # type: ignore[method-assign]


def operation_for(document: dict[str, Any], method: str, path: str) -> tuple[str, dict] | None:
    """The documented operation (path template, operation) that serves this request."""
    for template, operations in document["paths"].items():
        pattern = "^" + re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    return None
