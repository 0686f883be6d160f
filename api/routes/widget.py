"""The embeddable widget's files and the demo page that embeds it as a host site would.

``/widget.js`` and ``/widget.css`` are what other sites load with one ``<script>`` tag, so
their URLs stay unversioned: browsers keep them for five minutes and then revalidate with the
ETag (a 304 costs a few bytes), so a new release reaches every site within minutes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.deps import SettingsDep
from bot.content.widget import widget_strings
from bot.triage.models import LEVEL_NAMES

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

ASSET_CACHE_CONTROL = "public, max-age=300, must-revalidate"

router = APIRouter(tags=["widget"])


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str
    media_type: str


#: Where widget.js takes the level names and its words (generated constants: see ``load_asset``).
LEVELS_PLACEHOLDER = b"/*TRIAGE_LEVELS*/ []"
STRINGS_PLACEHOLDER = b"/*WIDGET_STRINGS*/ {}"


@cache
def load_asset(name: str, media_type: str) -> Asset:
    """A static file with its ETag; widget.js gets the triage level names from the enum and its
    words from ``bot/content/widget.yml``.
    """
    body = (STATIC_DIR / name).read_bytes()
    if LEVELS_PLACEHOLDER in body:
        body = body.replace(LEVELS_PLACEHOLDER, json.dumps(list(LEVEL_NAMES)).encode())
    if STRINGS_PLACEHOLDER in body:
        words = json.dumps(widget_strings(), ensure_ascii=False, indent=2)
        body = body.replace(STRINGS_PLACEHOLDER, words.encode())
    return Asset(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', media_type)


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The widget's templates (loaded once)."""
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def _serve(request: Request, asset: Asset) -> Response:
    headers = {"ETag": asset.etag, "Cache-Control": ASSET_CACHE_CONTROL}
    if asset.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


_ASSET_RESPONSES: dict[int | str, dict] = {
    304: {"description": "Not modified (the ETag in If-None-Match still matches)."}
}


#: The unversioned files other sites load: (file, media type, summary).
ASSETS: tuple[tuple[str, str, str], ...] = (
    (
        "widget.js",
        "text/javascript",
        "The embeddable chat widget (plain JavaScript, no dependencies)",
    ),
    ("widget.css", "text/css", "The widget's stylesheet (loaded by widget.js)"),
    ("demo.css", "text/css", "The demo page's own stylesheet"),
)


def _asset_route(name: str, media_type: str, summary: str) -> None:
    async def serve(request: Request) -> Response:
        return _serve(request, load_asset(name, f"{media_type}; charset=utf-8"))

    router.add_api_route(
        f"/{name}",
        serve,
        methods=["GET"],
        name=name.replace(".", "_"),  # widget_js ...: the operation ids stay as they were
        summary=summary,
        response_class=Response,
        responses={200: {"content": {media_type: {}}}, **_ASSET_RESPONSES},
    )


for _asset in ASSETS:
    _asset_route(*_asset)


@router.get(
    "/",
    summary="Demo: a hospital page with the widget embedded",
    response_class=HTMLResponse,
)
async def demo(request: Request, settings: SettingsDep) -> HTMLResponse:
    """A demo page embedding the widget."""
    return templates().TemplateResponse(
        request,
        "demo.html",
        {
            "title": settings.widget_title,
            "color": settings.widget_color,
            "emergency_number": settings.emergency_number,
        },
        headers={"Cache-Control": "no-cache"},
    )
